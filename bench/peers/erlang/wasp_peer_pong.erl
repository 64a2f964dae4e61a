%% wasp_peer_pong - the replying side of pingpong-native (variant gen_server:call):
%% a plain gen_server that answers every call with the request it got.
-module(wasp_peer_pong).
-behaviour(gen_server).

-export([start_link/0]).
-export([init/1, handle_call/3, handle_cast/2]).

start_link() -> gen_server:start_link(?MODULE, [], []).

init([]) -> {ok, nostate}.

handle_call(Req, _From, State) -> {reply, Req, State}.

handle_cast(_Msg, State) -> {noreply, State}.
