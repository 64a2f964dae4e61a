%% wasp_peer - wasp's native benchmark scenarios written for Erlang/OTP.
%%
%% Run (bench/compare does this; N = wasp's worker count):
%%   erlc -o DIR bench/peers/erlang/*.erl
%%   erl +S N:N -noshell -pa DIR -run wasp_peer main -extra [--smoke] [--reps R] [SCENARIO ...]
%%
%% Prints one JSON object per line per scenario, in the format of `wasp bench --json`
%% (docs/CLI.md), plus "peer":"erlang" (and "variant" where one scenario has two forms).
%% Every scenario mirrors the work of wasp's bench/bench_native.c and
%% bench/bench_supervisor.c: same sizes, same sampling, a warm-up first.
%%
%%   spawn-native          spawn/1 of an idle process (blocked in receive), 100,000 alive at
%%                         the end; samples are batches of 1,000 spawns from the bench process;
%%                         rss_kib_per_actor = growth of the OS process's resident set
%%                         (/proc/self/statm) over the warm-up round / 100,000
%%   ring-native           one hop of an integer token around a ring of 1,000 processes
%%   ring-native-100k      the same around a ring of 100,000 processes
%%                         (2,000,000 hops in 10 repetitions); each hop is `Next ! Left - 1`
%%   pingpong-native       one round trip between two processes: variant gen_server:call
%%                         (a gen_server replying with the request), variant plain (Pid !
%%                         {self(), ping} answered by Pid ! {self(), ping}); 200,000 per rep
%%   pubsub-fanout-native  one publish delivered to 1,000 subscribers joined to a pg group;
%%                         a publish is pg:get_members/1 and one send per member; time is per
%%                         delivery, until every subscriber has handled every publish
%%   restart-native        crash -> restarted-and-ready cycle of a gen_server child that
%%                         crashes on every message, under a one_for_one supervisor
-module(wasp_peer).

-export([main/0, main/1]).

-define(SCENARIOS, ["spawn-native", "ring-native", "ring-native-100k", "pingpong-native",
                    "pubsub-fanout-native", "restart-native"]).

%% ---- entry -------------------------------------------------------------------------

%% `-run wasp_peer main -extra ARGS`: erl hands options after -extra over untouched.
main() -> main(init:get_plain_arguments()).

main(Args) ->
    {Cfg, Wanted0} = parse(Args, #{smoke => false, reps => 0}, []),
    Wanted = case Wanted0 of [] -> ?SCENARIOS; _ -> Wanted0 end,
    case [W || W <- Wanted, not lists:member(W, ?SCENARIOS)] of
        [] -> ok;
        Bad ->
            io:format(standard_error, "wasp_peer: unknown scenario(s) ~p~n", [Bad]),
            halt(2)
    end,
    %% OTP logs a crash report for every crash of restart-native; keep the logger quiet
    %% (reports are still created, only not formatted and printed).
    logger:set_primary_config(level, none),
    Status = lists:foldl(
               fun(Name, St) ->
                       try run(Name, Cfg) of
                           Results -> [print(Name, R) || R <- Results], St
                       catch C:E:Stack ->
                               io:format(standard_error, "wasp_peer: ~s failed: ~p:~p~n~p~n",
                                         [Name, C, E, Stack]),
                               1
                       end
               end, 0, [N || N <- ?SCENARIOS, lists:member(N, Wanted)]),
    halt(Status).

parse([], Cfg, Acc) -> {Cfg, lists:reverse(Acc)};
parse(["--smoke" | T], Cfg, Acc) -> parse(T, Cfg#{smoke := true}, Acc);
parse(["--reps", R | T], Cfg, Acc) -> parse(T, Cfg#{reps := list_to_integer(R)}, Acc);
parse(["--" ++ _ = Opt | _], _, _) ->
    io:format(standard_error, "wasp_peer: unknown option ~s~n", [Opt]),
    halt(2);
parse([S | T], Cfg, Acc) -> parse(T, Cfg, [S | Acc]).

run("spawn-native", Cfg) -> spawn_native(Cfg);
run("ring-native", Cfg) -> ring_native(size(Cfg, 100, 1000), Cfg);
run("ring-native-100k", Cfg) -> ring_native(size(Cfg, 1000, 100000), Cfg);
run("pingpong-native", Cfg) -> [pingpong(call, Cfg), pingpong(plain, Cfg)];
run("pubsub-fanout-native", Cfg) -> fanout(Cfg);
run("restart-native", Cfg) -> restart(Cfg).

reps(#{reps := R}, _Default) when R > 0 -> R;
reps(_, Default) -> Default.

size(#{smoke := true}, Smoke, _Full) -> Smoke;
size(_, _Smoke, Full) -> Full.

now_ns() -> erlang:monotonic_time(nanosecond).

workers() -> erlang:system_info(schedulers_online).

%% ---- results -----------------------------------------------------------------------

%% Median/p99 exactly as bench/harness.c: sort, index round(q * (len - 1)).
quantile(Samples, Q) ->
    Sorted = lists:sort(Samples),
    Len = length(Sorted),
    I = trunc(Q * (Len - 1) + 0.5),
    lists:nth(min(I, Len - 1) + 1, Sorted).

result(Samples, N) ->
    Med = quantile(Samples, 0.5),
    #{n => N, median_ns => Med, p99_ns => quantile(Samples, 0.99),
      ops_per_s => case Med > 0 of true -> 1.0e9 / Med; false -> 0.0 end}.

fmt(X) -> float_to_list(float(X), [{decimals, 1}]).

print(Name, R) ->
    Variant = case R of #{variant := V} -> [",\"variant\":\"", V, "\""]; _ -> [] end,
    Rss = case R of
              #{rss_kib_per_actor := K} ->
                  [",\"rss_kib_per_actor\":", float_to_list(float(K), [{decimals, 3}])];
              _ -> []
          end,
    Note = case R of #{note := Nt} -> [",\"note\":\"", Nt, "\""]; _ -> [] end,
    io:put_chars([
        "{\"scenario\":\"", Name, "\",\"peer\":\"erlang\"", Variant,
        ",\"n\":", integer_to_list(maps:get(n, R)),
        ",\"median_ns\":", fmt(maps:get(median_ns, R)),
        ",\"p99_ns\":", fmt(maps:get(p99_ns, R)),
        ",\"ops_per_s\":", fmt(maps:get(ops_per_s, R)),
        Rss, Note, "}\n"]).

%% Resident set of the OS process (the whole BEAM) in KiB, from /proc/self/statm.
rss_kib() ->
    {ok, Bin} = file:read_file("/proc/self/statm"),
    [_Total, Resident | _] = string:lexemes(binary_to_list(Bin), " \n"),
    list_to_integer(Resident) * 4.

%% ---- spawn-native --------------------------------------------------------------------

idle() -> receive stop -> ok end.

spawn_batch(0, Acc) -> Acc;
spawn_batch(K, Acc) -> spawn_batch(K - 1, [spawn(fun idle/0) | Acc]).

spawn_native(Cfg) ->
    N = size(Cfg, 2000, 100000),
    Batch = 1000,
    Reps = reps(Cfg, size(Cfg, 1, 5)),
    {Samples, RssPer, MemPer} = spawn_reps(0, Reps, N, Batch, [], 0, 0),
    R = result(Samples, N * Reps),
    [R#{rss_kib_per_actor => RssPer,
        note => io_lib:format("~b processes alive at the end, ~b schedulers; "
                              "RSS from /proc/self/statm; erlang:memory(processes) "
                              "grew ~.3f KiB per process", [N, workers(), MemPer])}].

spawn_reps(Rep, Reps, _N, _Batch, Samples, RssPer, MemPer) when Rep > Reps ->
    {Samples, RssPer, MemPer};
spawn_reps(Rep, Reps, N, Batch, Samples0, RssPer0, MemPer0) ->
    Base = erlang:system_info(process_count),
    Rss0 = rss_kib(),
    Mem0 = erlang:memory(processes),
    {Pids, Samples} = spawn_timed(N div Batch, Batch, Rep > 0, [], Samples0),
    {RssPer, MemPer} =
        case Rep of
            0 -> {(rss_kib() - Rss0) / N, (erlang:memory(processes) - Mem0) / 1024 / N};
            _ -> {RssPer0, MemPer0}
        end,
    Alive = erlang:system_info(process_count) - Base,
    Alive >= N orelse error({not_all_alive, Alive}),
    [exit(P, kill) || P <- Pids],
    wait_count(Base),
    spawn_reps(Rep + 1, Reps, N, Batch, Samples, RssPer, MemPer).

spawn_timed(0, _Batch, _Keep, Pids, Samples) -> {Pids, Samples};
spawn_timed(K, Batch, Keep, Pids, Samples) ->
    T0 = now_ns(),
    Pids1 = spawn_batch(Batch, Pids),
    Dt = (now_ns() - T0) / Batch,
    spawn_timed(K - 1, Batch, Keep, Pids1, case Keep of true -> [Dt | Samples]; false -> Samples end).

wait_count(Base) ->
    case erlang:system_info(process_count) > Base of
        true -> timer:sleep(1), wait_count(Base);
        false -> ok
    end.

%% ---- ring-native ----------------------------------------------------------------------

ring_node(Parent) -> receive {next, Next} -> ring_loop(Next, Parent) end.

ring_loop(Next, Parent) ->
    receive
        0 -> Parent ! ring_done;
        Left -> Next ! Left - 1
    end,
    ring_loop(Next, Parent).

ring_native(Size, Cfg) ->
    Total = size(Cfg, 20000, 2000000),
    Reps = reps(Cfg, 10),
    PerRep = Total div Reps,
    Self = self(),
    Nodes = [spawn(fun() -> ring_node(Self) end) || _ <- lists:seq(1, Size)],
    [First | _] = Nodes,
    lists:foreach(fun({P, Next}) -> P ! {next, Next} end,
                  lists:zip(Nodes, tl(Nodes) ++ [First])),
    Samples = lists:foldl(
                fun(Rep, Acc) ->
                        Left = case Rep of 0 -> Size * 10; _ -> PerRep - 1 end,
                        T0 = now_ns(),
                        First ! Left,
                        receive ring_done -> ok end,
                        case Rep of
                            0 -> Acc;
                            _ -> [(now_ns() - T0) / PerRep | Acc]
                        end
                end, [], lists:seq(0, Reps)),
    [exit(P, kill) || P <- Nodes],
    R = result(Samples, PerRep * Reps),
    [R#{note => io_lib:format("~b processes, ~b schedulers", [Size, workers()])}].

%% ---- pingpong-native ---------------------------------------------------------------------

plain_pong() ->
    receive {From, Msg} -> From ! {self(), Msg} end,
    plain_pong().

call_loop(_Pong, 0) -> ok;
call_loop(Pong, K) ->
    ping = gen_server:call(Pong, ping),
    call_loop(Pong, K - 1).

plain_loop(_Pong, 0) -> ok;
plain_loop(Pong, K) ->
    Pong ! {self(), ping},
    receive {Pong, ping} -> ok end,
    plain_loop(Pong, K - 1).

pinger(Kind, Pong) ->
    receive
        {go, K, From} ->
            case Kind of
                call -> call_loop(Pong, K);
                plain -> plain_loop(Pong, K)
            end,
            From ! pinger_done,
            pinger(Kind, Pong);
        stop -> ok
    end.

pingpong(Kind, Cfg) ->
    PerRep = size(Cfg, 2000, 200000),
    Reps = reps(Cfg, 10),
    Pong = case Kind of
               call -> {ok, P} = wasp_peer_pong:start_link(), unlink(P), P;
               plain -> spawn(fun plain_pong/0)
           end,
    Pinger = spawn(fun() -> pinger(Kind, Pong) end),
    Samples = lists:foldl(
                fun(Rep, Acc) ->
                        T0 = now_ns(),
                        Pinger ! {go, PerRep, self()},
                        receive pinger_done -> ok end,
                        case Rep of
                            0 -> Acc;
                            _ -> [(now_ns() - T0) / PerRep | Acc]
                        end
                end, [], lists:seq(0, Reps)),
    Pinger ! stop,
    exit(Pong, kill),
    R = result(Samples, PerRep * Reps),
    Variant = case Kind of call -> "gen_server:call"; plain -> "plain" end,
    R#{variant => Variant,
       note => io_lib:format("round trip between two processes (~s), ~b schedulers",
                             [Variant, workers()])}.

%% ---- pubsub-fanout-native -------------------------------------------------------------------

%% A subscriber counts deliveries in a shared atomic (as wasp's counts in an atomic_long);
%% whoever brings it to the target tells the bench process.
fan_loop(Counter, Target, Parent) ->
    receive
        {publish, _Payload} ->
            case atomics:add_get(Counter, 1, 1) of
                Target -> Parent ! fan_done;
                _ -> ok
            end,
            fan_loop(Counter, Target, Parent);
        stop -> ok
    end.

publish(Group, Msg) ->
    Members = pg:get_members(Group),
    lists:foreach(fun(P) -> P ! Msg end, Members),
    length(Members).

fanout(Cfg) ->
    Subs = size(Cfg, 100, 1000),
    Publishes = size(Cfg, 20, 200),
    Reps = reps(Cfg, 10),
    Target = Subs * Publishes,
    {ok, PgPid} = pg:start_link(),
    unlink(PgPid),
    Counter = atomics:new(1, []),
    Self = self(),
    Group = bench_fanout,
    Pids = [spawn(fun() -> ok = pg:join(Group, self()), Self ! joined,
                           fan_loop(Counter, Target, Self) end)
            || _ <- lists:seq(1, Subs)],
    [receive joined -> ok end || _ <- Pids],
    Msg = {publish, <<"0123456789abcdef">>},
    Samples = lists:foldl(
                fun(Rep, Acc) ->
                        atomics:put(Counter, 1, 0),
                        T0 = now_ns(),
                        [Subs = publish(Group, Msg) || _ <- lists:seq(1, Publishes)],
                        receive fan_done -> ok end,
                        case Rep of
                            0 -> Acc;
                            _ -> [(now_ns() - T0) / Target | Acc]
                        end
                end, [], lists:seq(0, Reps)),
    [P ! stop || P <- Pids],
    exit(PgPid, kill),
    R = result(Samples, Target * Reps),
    [R#{note => io_lib:format("per delivery; ~b subscribers in a pg group, ~b publishes per rep, "
                              "~b schedulers", [Subs, Publishes, workers()])}].

%% ---- restart-native --------------------------------------------------------------------------

%% One operation: cast a message to the running child; it crashes; the supervisor
%% restarts it; the new incarnation's init/1 reports started (with a timestamp). The
%% bench process waits for that report before it casts to the new pid: an Erlang
%% restart gives the child a new process and mailbox, so messages cannot be queued
%% ahead as wasp's scenario does (its restarted actor keeps its mailbox).
%%
%% The supervisor keeps every restart of the last `period` seconds (1 at least) in a
%% list it walks on each restart, so 20,000 restarts a second under one supervisor cost
%% ~100 us each in that walk alone - a measure of the restart-intensity bookkeeping at an
%% absurd setting, not of a restart. The restarts therefore run under a fresh supervisor
%% per batch of ?RESTART_BATCH (intensity = the batch, period 1 s: it never gives up);
%% only the cycles inside a batch are timed, never the supervisor's own start.
-define(RESTART_BATCH, 100).

restart(Cfg) ->
    N = size(Cfg, 200, 20000),
    Reps = reps(Cfg, size(Cfg, 1, 3)),
    Batches = max(1, N div ?RESTART_BATCH),
    Batch = fun() ->
                    {ok, Sup} = wasp_peer_sup:start_link(self(), ?RESTART_BATCH, 1),
                    unlink(Sup),
                    Pid0 = receive {started, P0, T00} -> P0 end,
                    {Ts, _} = lists:foldl(
                                fun(_, {Acc, Pid}) ->
                                        gen_server:cast(Pid, crash),
                                        receive {started, Pid1, T} -> {[T | Acc], Pid1} end
                                end, {[T00], Pid0}, lists:seq(1, ?RESTART_BATCH)),
                    exit(Sup, kill),
                    lists:reverse(Ts)
            end,
    Round = fun() ->
                    lists:foldl(fun(_, {S, E}) ->
                                        Ts = [T0 | _] = Batch(),
                                        {diffs(Ts, S), E + (lists:last(Ts) - T0)}
                                end, {[], 0}, lists:seq(1, Batches))
            end,
    _ = Round(), % warm-up
    {Samples, Elapsed} =
        lists:foldl(fun(_, {S0, E0}) -> {S, E} = Round(), {S ++ S0, E0 + E} end,
                    {[], 0}, lists:seq(1, Reps)),
    Total = length(Samples),
    R = result(Samples, Total),
    [R#{ops_per_s => Total * 1.0e9 / Elapsed,
        note => io_lib:format("gen_server child crashing on every cast, one_for_one, "
                              "~b restarts per round under a fresh supervisor per ~b, "
                              "~b schedulers", [Batches * ?RESTART_BATCH, ?RESTART_BATCH,
                                                workers()])}].

diffs([A, B | T], Acc) -> diffs([B | T], [B - A | Acc]);
diffs(_, Acc) -> Acc.
