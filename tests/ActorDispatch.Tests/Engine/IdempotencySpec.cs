using System.Collections.Immutable;
using ActorDispatch.Configuration;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorDispatch.Tests.Engine;

/// <summary>
/// Idempotent appends: a retry with the same key within the window appends nothing and answers the
/// events the first call stored, also while that call is still being written and after the
/// namespace's log (or the whole engine) started again, since the key is in the journal entry.
/// </summary>
public abstract class IdempotencySpec(ITestOutputHelper output, StoreKind store) : IdempotencySpecBase(output, store)
{
    [SkippableFact]
    public async Task A_retry_answers_the_same_events_and_the_head_does_not_move()
    {
        NewEvent[] events = [NewEvent("order_created", data: new { id = 1 }), NewEvent("order_paid", data: new { id = 1 })];
        var first = await Engine.AppendAsync(Ns, events, "order-1");
        var retry = await Engine.AppendAsync(Ns, events, "order-1");

        Assert.False(first.Replayed);
        Assert.True(retry.Replayed);
        Assert.Equal(first.Events, retry.Events);
        Assert.Equal([1L, 2], retry.Events.Select(e => e.Sequence));
        Assert.Equal(2, await Engine.GetHeadAsync(Ns));

        // Keys are per namespace; other keys append as usual.
        Assert.False((await Engine.AppendAsync("other", events, "order-1")).Replayed);
        Assert.Equal(3, (await Engine.AppendAsync(Ns, events, "order-2")).Events[0].Sequence);
    }

    [SkippableFact]
    public async Task Concurrent_retries_of_one_key_append_once_among_unkeyed_appends()
    {
        NewEvent[] keyed = [NewEvent("keyed")];
        var retries = new List<Task<AppendResult>>();
        var unkeyed = new List<Task<IReadOnlyList<Event>>>();
        for (var i = 0; i < 60; i++)
        {
            if (i % 3 == 0) retries.Add(Engine.AppendAsync(Ns, keyed, "once"));
            else unkeyed.Add(Engine.AppendAsync(Ns, [NewEvent($"unkeyed-{i}")]));
        }
        var results = await Task.WhenAll(retries);
        await Task.WhenAll(unkeyed);

        Assert.Single(results, r => !r.Replayed);
        Assert.All(results, r => Assert.Equal(results[0].Events, r.Events));
        Assert.Equal(unkeyed.Count + 1, await Engine.GetHeadAsync(Ns));
        var all = await Engine.ReadEventsAsync(Ns, 1, 1000);
        Assert.Single(all, e => e.Type == "keyed");
    }

    [SkippableFact]
    public async Task The_same_key_with_other_events_is_refused_and_nothing_is_appended()
    {
        await Engine.AppendAsync(Ns, [NewEvent(data: new { id = 1 })], "order-1");

        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.AppendAsync(Ns, [NewEvent(data: new { id = 2 })], "order-1"));

        Assert.Equal(ErrorKind.Conflict, ex.Kind);
        Assert.Equal("AD10125", ex.Code);
        Assert.Contains("'Idempotency-Key'", ex.Message);
        Assert.Equal(1, await Engine.GetHeadAsync(Ns));
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\tkey")]
    [InlineData("ключ")]
    [InlineData("256")]
    public async Task An_invalid_key_is_refused_naming_it(string key)
    {
        if (key == "256") key = new string('k', 256);
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.AppendAsync(Ns, [NewEvent()], key));
        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
        Assert.Contains("'Idempotency-Key'", ex.Message);
        Assert.Equal(0, await Engine.GetHeadAsync(Ns));
        Assert.False((await Engine.AppendAsync(Ns, [NewEvent()], new string('k', 255))).Replayed);
        Assert.False((await Engine.AppendAsync(Ns, [NewEvent()], "!~\"#{}")).Replayed);
    }

    [SkippableFact]
    public async Task Keyed_and_unkeyed_appends_that_reach_a_log_together_share_an_entry_and_each_key_is_written_once()
    {
        // A log of its own: the commands sent while it recovers are taken together, as one write.
        const string ns = "shared";
        var log = StartLog(ns);
        var appender = CreateTestProbe();
        NewEvent[] a = [NewEvent("a")];
        NewEvent[] b = [NewEvent("b1"), NewEvent("b2")];
        log.Tell(new EventLog.Append(ns, a, "key-a"), appender);
        log.Tell(new EventLog.Append(ns, [NewEvent("u1")]), appender);
        log.Tell(new EventLog.Append(ns, a, "key-a"), appender);                   // a retry while the first is written
        log.Tell(new EventLog.Append(ns, [NewEvent("other")], "key-a"), appender); // the key with other events
        log.Tell(new EventLog.Append(ns, b, "key-b") { Hash = IdempotencyWindow.Hash(b) }, appender);
        log.Tell(new EventLog.Append(ns, [NewEvent("u2")]), appender);

        var conflict = appender.ExpectMsg<Status.Failure>(); // refused at once, before the write
        Assert.Equal(ErrorKind.Conflict, Assert.IsType<ActorDispatchException>(conflict.Cause).Kind);
        var answers = appender.ReceiveN(5).Cast<EventLog.Appended>().ToList();
        var forA = answers.Where(x => x.Events[0].Type == "a").ToList();
        Assert.Equal(2, forA.Count);
        Assert.Single(forA, x => x.Replayed);
        Assert.Same(forA[0].Events, forA[1].Events);
        Assert.All(answers.Where(x => x.Events[0].Type != "a"), x => Assert.False(x.Replayed));

        var entries = await JournalAsync(Sys, ns);
        var entry = Assert.Single(entries);
        Assert.Equal(["a", "u1", "b1", "b2", "u2"], LogEntries.EventsOf(entry.Event).Select(e => e.Type));
        Assert.Equal([new LogEntryKey("key-a", IdempotencyWindow.Hash(a), 1, 1), new LogEntryKey("key-b", IdempotencyWindow.Hash(b), 3, 2)],
            LogEntries.KeysOf(entry.Event)!);

        // A new incarnation of the log reads the keys back.
        await StopAsync(log);
        var again = StartLog(ns);
        again.Tell(new EventLog.Append(ns, b, "key-b"), appender);
        var replayed = appender.ExpectMsg<EventLog.Appended>();
        Assert.True(replayed.Replayed);
        // The log keeps no payloads for its keys (the engine answers with the retry's own).
        Assert.Equal(answers.Single(x => x.Events[0].Type == "b1").Events.Select(e => e with { Data = null }), replayed.Events);
    }

    [SkippableFact]
    public async Task A_key_survives_a_restart_of_the_namespaces_log()
    {
        NewEvent[] events = [NewEvent("first"), NewEvent("second")];
        var first = await Engine.AppendAsync(Ns, events, "order-1");
        await Engine.AppendAsync(Ns, NewEvent("later")); // the key's entry is not the last one

        await StopAsync(await Sys.ActorSelection($"/user/actordispatch-logs/log-{Ns}-*").ResolveOne(TimeSpan.FromSeconds(5)));
        var retry = await RetryAsync(() => Engine.AppendAsync(Ns, events, "order-1"));

        Assert.True(retry.Replayed);
        Assert.Equal(first.Events, retry.Events);
        Assert.Equal(3, await Engine.GetHeadAsync(Ns));
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.AppendAsync(Ns, [NewEvent("third")], "order-1"));
        Assert.Equal(ErrorKind.Conflict, ex.Kind); // the hash came back too
    }

    [SkippableFact]
    public async Task A_key_survives_a_restart_of_the_engine_and_entries_without_keys_read_as_before()
    {
        var bare = await Engine.AppendAsync(Ns, NewEvent("bare"));
        var batch = await Engine.AppendAsync(Ns, [NewEvent("a"), NewEvent("b")]);
        var keyed = await Engine.AppendAsync(Ns, [NewEvent("keyed")], "order-1");
        var payloads = (await JournalAsync(Sys, Ns)).Select(env => env.Event).ToList();
        Assert.IsType<Event>(payloads[0]);                      // a lone event without a key: the bare event, as ever
        Assert.Null(Assert.IsType<LogEntry>(payloads[1]).Keys); // several events without keys: an entry, as ever
        Assert.Equal("order-1", Assert.Single(Assert.IsType<LogEntry>(payloads[2]).Keys!).Key); // a lone keyed event: an entry
        await Sys.Terminate();

        var system = ActorSystem.Create("restarted", Compose(Store.Config, Extra));
        try
        {
            var engine = new ActorDispatchEngine(system, []);
            var retry = await engine.AppendAsync(Ns, [NewEvent("keyed")], "order-1");
            Assert.True(retry.Replayed);
            Assert.Equal(keyed.Events, retry.Events);

            Assert.Equal(new[] { bare }.Concat(batch).Concat(keyed.Events), await engine.ReadEventsAsync(Ns, 1, 10));
            Assert.Equal(5, (await engine.AppendAsync(Ns, NewEvent("next"))).Sequence);
        }
        finally
        {
            await system.Terminate();
        }
    }
}

/// <summary>A short window: past it, a key is forgotten, also by a log that starts again.</summary>
public abstract class IdempotencyWindowSpec(ITestOutputHelper output, StoreKind store)
    : IdempotencySpecBase(output, store, "actordispatch.log.idempotency-window = 1s")
{
    [SkippableFact]
    public async Task After_the_window_the_same_key_appends_anew()
    {
        NewEvent[] events = [NewEvent()];
        var first = await Engine.AppendAsync(Ns, events, "order-1");

        var anew = await UntilAppendedAnewAsync(Engine, events, "order-1");

        Assert.Equal(2, anew.Events[0].Sequence);
        Assert.NotEqual(first.Events[0].Id, anew.Events[0].Id);
        Assert.True((await Engine.AppendAsync(Ns, events, "order-1")).Replayed); // the new append's key, for a new window
        Assert.Equal(2, await Engine.GetHeadAsync(Ns));
    }

    [SkippableFact]
    public async Task A_log_that_starts_again_after_the_window_has_forgotten_the_key()
    {
        NewEvent[] events = [NewEvent()];
        await Engine.AppendAsync(Ns, events, "old");
        // The window passes, as the live log sees it: a key stored after the first one is forgotten.
        await Engine.AppendAsync(Ns, [NewEvent("probe")], "probe");
        await UntilAppendedAnewAsync(Engine, [NewEvent("probe")], "probe");

        await StopAsync(await Sys.ActorSelection($"/user/actordispatch-logs/log-{Ns}-*").ResolveOne(TimeSpan.FromSeconds(5)));
        var retry = await RetryAsync(() => Engine.AppendAsync(Ns, events, "old"));

        Assert.False(retry.Replayed);
        Assert.Equal(4, retry.Events[0].Sequence);
    }
}

/// <summary>A log that starts again reads at most idempotency-recover-max-entries entries for keys.</summary>
public abstract class IdempotencyRecoveryBoundSpec(ITestOutputHelper output, StoreKind store)
    : IdempotencySpecBase(output, store, "actordispatch.log.idempotency-recover-max-entries = 3")
{
    [SkippableFact]
    public async Task Keys_in_entries_older_than_the_bound_are_forgotten_and_the_newer_ones_kept()
    {
        await Engine.AppendAsync(Ns, [NewEvent("k0")], "k0");                  // entry 1
        for (var i = 0; i < 3; i++) await Engine.AppendAsync(Ns, NewEvent()); // entries 2-4: one write each
        var k4 = await Engine.AppendAsync(Ns, [NewEvent("k4")], "k4");         // entry 5

        await StopAsync(await Sys.ActorSelection($"/user/actordispatch-logs/log-{Ns}-*").ResolveOne(TimeSpan.FromSeconds(5)));
        var retry = await RetryAsync(() => Engine.AppendAsync(Ns, [NewEvent("k4")], "k4"));

        Assert.True(retry.Replayed);
        Assert.Equal(k4.Events, retry.Events);
        var old = await Engine.AppendAsync(Ns, [NewEvent("k0")], "k0"); // entry 1 was not read
        Assert.False(old.Replayed);
        Assert.Equal(6, old.Events[0].Sequence);
    }
}

/// <summary>A window of 0: keys are accepted and ignored.</summary>
public abstract class IdempotencyOffSpec(ITestOutputHelper output, StoreKind store)
    : IdempotencySpecBase(output, store, "actordispatch.log.idempotency-window = 0s")
{
    [SkippableFact]
    public async Task Keys_are_accepted_and_ignored_and_a_retry_appends_again()
    {
        var first = await Engine.AppendAsync(Ns, [NewEvent()], "order-1");
        var retry = await Engine.AppendAsync(Ns, [NewEvent()], "order-1");

        Assert.False(first.Replayed);
        Assert.False(retry.Replayed);
        Assert.Equal(2, retry.Events[0].Sequence);
        Assert.All(await JournalAsync(Sys, Ns), env => Assert.IsType<Event>(env.Event)); // no keys written
        await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.AppendAsync(Ns, [NewEvent()], "has space")); // still checked
    }
}

public abstract class IdempotencySpecBase(ITestOutputHelper output, StoreKind store, string hocon = "")
    : EngineSpec(output, store, ConfigurationFactory.ParseString(hocon))
{
    protected Config Extra { get; } = ConfigurationFactory.ParseString(hocon);

    // A log of the namespace on its own, outside the engine's registry.
    protected IActorRef StartLog(string ns) =>
        Sys.ActorOf(EventLog.Props(ns, DispatchSettings.Create(Sys), CreateTestProbe().Ref, new LogPositions()));

    protected async Task StopAsync(IActorRef actor)
    {
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(actor);
    }

    // As a client retries after its log's node died: the registry may route the first try to the
    // stopped incarnation (which times out) before it has noticed the stop.
    protected async Task<AppendResult> RetryAsync(Func<Task<AppendResult>> append)
    {
        AppendResult? result = null;
        await AwaitAssertAsync(async () => result = await append(), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        return result!;
    }

    // Retries the key (each a replay, appending nothing) until its window has passed and it appends.
    protected async Task<AppendResult> UntilAppendedAnewAsync(IActorDispatch engine, IReadOnlyList<NewEvent> events, string key)
    {
        AppendResult? result = null;
        await AwaitAssertAsync(async () =>
        {
            result = await engine.AppendAsync(Ns, events, key);
            Assert.False(result.Replayed);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        return result!;
    }

    protected static Task<IImmutableList<EventEnvelope>> JournalAsync(ActorSystem system, string ns) =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
            .CurrentEventsByPersistenceId(EventLog.PersistenceId(ns), 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
}

public sealed class IdempotencySpecOnSqlite(ITestOutputHelper output) : IdempotencySpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class IdempotencySpecOnPostgres(ITestOutputHelper output) : IdempotencySpec(output, StoreKind.Postgres);

public sealed class IdempotencyWindowSpecOnSqlite(ITestOutputHelper output) : IdempotencyWindowSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class IdempotencyWindowSpecOnPostgres(ITestOutputHelper output) : IdempotencyWindowSpec(output, StoreKind.Postgres);

public sealed class IdempotencyRecoveryBoundSpecOnSqlite(ITestOutputHelper output) : IdempotencyRecoveryBoundSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class IdempotencyRecoveryBoundSpecOnPostgres(ITestOutputHelper output) : IdempotencyRecoveryBoundSpec(output, StoreKind.Postgres);

public sealed class IdempotencyOffSpecOnSqlite(ITestOutputHelper output) : IdempotencyOffSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class IdempotencyOffSpecOnPostgres(ITestOutputHelper output) : IdempotencyOffSpec(output, StoreKind.Postgres);
