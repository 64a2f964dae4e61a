%% wasp_peer_sup - the supervisor of restart-native: one_for_one over one permanent
%% wasp_peer_crasher child. Intensity is set so high that it never gives up (wasp's
%% scenario uses an unbounded intensity too).
-module(wasp_peer_sup).
-behaviour(supervisor).

-export([start_link/3]).
-export([init/1]).

start_link(Bench, Intensity, Period) ->
    supervisor:start_link(?MODULE, {Bench, Intensity, Period}).

init({Bench, Intensity, Period}) ->
    Flags = #{strategy => one_for_one, intensity => Intensity, period => Period},
    Child = #{id => crasher,
              start => {wasp_peer_crasher, start_link, [Bench]},
              restart => permanent,
              shutdown => brutal_kill,
              type => worker},
    {ok, {Flags, [Child]}}.
