%% wasp_peer_crasher - the child of restart-native: a gen_server that crashes on every
%% message it handles. init/1 tells the bench process, with a timestamp, that this
%% incarnation is started and ready (the counterpart of wasp's `started` hook).
-module(wasp_peer_crasher).
-behaviour(gen_server).

-export([start_link/1]).
-export([init/1, handle_call/3, handle_cast/2]).

start_link(Bench) -> gen_server:start_link(?MODULE, Bench, []).

init(Bench) ->
    Bench ! {started, self(), erlang:monotonic_time(nanosecond)},
    {ok, Bench}.

handle_call(_Req, _From, _State) -> erlang:error(crash).

handle_cast(_Msg, _State) -> erlang:error(crash).
