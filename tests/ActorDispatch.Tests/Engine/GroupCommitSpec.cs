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
using Akka.TestKit;

namespace ActorDispatch.Tests.Engine;

/// <summary>
/// Group commit: appends that arrive while a journal write is in flight share the next journal
/// write, grouped into entries. Sequences stay dense, each append stays whole, and every event can
/// be read from any sequence, also after a restart when nothing is known about where entries start.
/// </summary>
public abstract class GroupCommitSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store, extra: SmallEntries)
{
    private const int MaxEntryBytes = 6000;
    private const int MaxWriteBytes = 20000;

    private static readonly Config SmallEntries = ConfigurationFactory.ParseString(
        $"actordispatch.log {{ max-entry-events = 50, max-entry-bytes = {MaxEntryBytes}, max-write-bytes = {MaxWriteBytes} }}");

    [SkippableFact]
    public async Task Concurrent_appends_share_journal_entries_and_stay_dense_and_whole()
    {
        var appends = Enumerable.Range(0, 600).Select(i => Engine.AppendAsync(Ns, i % 10 == 0
            ? Enumerable.Range(0, 7).Select(j => NewEvent($"multi-{i}-{j}")).ToArray()
            : [NewEvent($"single-{i}")])).ToList();
        var results = await Task.WhenAll(appends);

        var all = results.SelectMany(r => r).OrderBy(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 60 * 7 + 540).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.All(results, r => Assert.Equal(Enumerable.Range(0, r.Count).Select(i => r[0].Sequence + i), r.Select(e => e.Sequence)));

        var envelopes = await JournalAsync(Sys);
        var entries = envelopes.Select(env => LogEntries.EventsOf(env.Event)).ToList();
        Assert.InRange(entries.Count, all.Count / 50, results.Length - 1); // appends shared entries, none above max-entry-events
        Assert.All(entries, e => Assert.InRange(e.Count, 1, 50));
        // Appends share an entry only within max-entry-bytes of JSON.
        var appendOf = results.SelectMany((r, i) => r.Select(e => (e.Id, i))).ToDictionary(x => x.Id, x => x.i);
        Assert.All(entries.Where(e => e.Select(x => appendOf[x.Id]).Distinct().Count() > 1),
            e => Assert.InRange(LogEntries.Encode(e).Length, 1, MaxEntryBytes));
        Assert.Equal(all.Select(e => e.Id), entries.SelectMany(e => e).Select(e => e.Id));
        // The entries of one journal write carry its timestamp: writes of several entries happened,
        // each within max-write-bytes.
        var writes = envelopes.GroupBy(env => env.Timestamp).Select(w => w.Select(env => LogEntries.EventsOf(env.Event)).ToList()).ToList();
        Assert.Contains(writes, w => w.Count > 1);
        Assert.All(writes.Where(w => w.Count > 1), w => Assert.InRange(w.Sum(e => LogEntries.Encode(e).Length), 1, MaxWriteBytes));

        foreach (var from in new[] { 1, 2, 49, 50, 51, 333, 655, 955, 960 })
        {
            var page = await Engine.ReadEventsAsync(Ns, from, 9);
            Assert.Equal(all.Skip(from - 1).Take(9), page);
        }
        Assert.Empty(await Engine.ReadEventsAsync(Ns, all.Count + 1, 9));
    }

    [SkippableFact]
    public async Task Appends_that_reach_an_idle_log_together_share_its_first_write()
    {
        // A persistent actor holds commands while it recovers and takes them together afterwards:
        // five appends reach the idle log at once.
        var log = StartLog(DispatchSettings.Create(Sys));
        var appender = CreateTestProbe();
        for (var i = 0; i < 5; i++) Append(log, $"burst-{i}", appender);

        var sequences = Enumerable.Range(0, 5).Select(_ => appender.ExpectMsg<EventLog.Appended>().Events.Single().Sequence);
        Assert.Equal([1L, 2, 3, 4, 5], sequences);
        var entries = await JournalEntriesAsync(Sys);
        Assert.Equal([["burst-0", "burst-1", "burst-2", "burst-3", "burst-4"]], entries.Select(e => e.Select(x => x.Type)));
    }

    [SkippableFact]
    public async Task A_bursty_log_gathers_a_burst_that_arrives_over_time_into_one_write()
    {
        var (log, appender) = BurstyLog(quiet: TimeSpan.FromSeconds(3), max: TimeSpan.FromSeconds(20));

        // Each append comes within the quiet period of the one before: none is written meanwhile.
        Append(log, "gathered-0", appender);
        appender.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Append(log, "gathered-1", appender);
        appender.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Append(log, "gathered-2", appender);

        var types = Enumerable.Range(0, 3).Select(_ => Confirmed(appender, TimeSpan.FromSeconds(8)));
        Assert.Equal(["gathered-0", "gathered-1", "gathered-2"], types);
        var entries = await JournalEntriesAsync(Sys);
        Assert.Equal(["gathered-0", "gathered-1", "gathered-2"], entries[^1].Select(e => e.Type));
    }

    [SkippableFact]
    public async Task A_bursty_log_writes_what_it_gathered_after_gather_max_though_appends_keep_coming()
    {
        var (log, appender) = BurstyLog(quiet: TimeSpan.FromSeconds(10), max: TimeSpan.FromMilliseconds(1500));

        Append(log, "first", appender);
        appender.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Append(log, "second", appender);

        // Within the quiet period of the second, but gather-max after the first.
        Assert.Equal("first", Confirmed(appender, TimeSpan.FromSeconds(5)));
        Assert.Equal("second", Confirmed(appender));
        var entries = await JournalEntriesAsync(Sys);
        Assert.Equal(["first", "second"], entries[^1].Select(e => e.Type));
    }

    [SkippableFact]
    public void A_lone_append_ends_gathering_and_the_next_is_written_at_once()
    {
        var (log, appender) = BurstyLog(quiet: TimeSpan.FromSeconds(3), max: TimeSpan.FromSeconds(20));

        // Gathered for the quiet period, with nothing behind it.
        Append(log, "lone", appender);
        appender.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal("lone", Confirmed(appender, TimeSpan.FromSeconds(8)));

        // No longer bursty: well within the quiet period.
        Append(log, "next", appender);
        Assert.Equal("next", Confirmed(appender, TimeSpan.FromSeconds(2)));
    }

    // The namespace's log on its own, outside the engine's registry.
    private IActorRef StartLog(DispatchSettings settings) =>
        Sys.ActorOf(EventLog.Props(Ns, settings, CreateTestProbe().Ref, new LogPositions()));

    private void Append(IActorRef log, string type, IActorRef appender, object? data = null) =>
        log.Tell(new EventLog.Append(Ns, [NewEvent(type, data: data)]), appender);

    // The type of the one event of the next append confirmed.
    private static string Confirmed(TestProbe appender, TimeSpan? within = null) =>
        appender.ExpectMsg<EventLog.Appended>(within).Events.Single().Type;

    // A log with the given gathering that has seen its appends come in bursts. The first wave takes
    // many writes (max-write-bytes is small here, the events padded); the second goes out once the
    // first write is confirmed, so it arrives while a later one is in flight, close behind the first
    // wave. The wave is long enough that a test thread woken late still finds writes of it in flight.
    private (IActorRef Log, TestProbe Appender) BurstyLog(TimeSpan quiet, TimeSpan max)
    {
        var log = StartLog(DispatchSettings.Create(Sys) with { GatherQuiet = quiet, GatherMax = max });
        var appender = CreateTestProbe();
        const int wave = 1000;
        var padding = new { padding = new string('x', 700) };
        for (var i = 0; i < wave; i++) Append(log, $"wave1-{i}", appender, padding);
        appender.ExpectMsg<EventLog.Appended>(TimeSpan.FromSeconds(30));
        for (var i = 0; i < wave; i++) Append(log, $"wave2-{i}", appender, padding);
        appender.ReceiveN(2 * wave - 1, TimeSpan.FromSeconds(30));
        return (log, appender);
    }

    [SkippableFact]
    public async Task An_append_larger_than_an_entry_is_written_whole_as_one_entry()
    {
        var big = Engine.AppendAsync(Ns, Enumerable.Range(0, 120).Select(i => NewEvent($"big-{i}")).ToArray());
        var small = Engine.AppendAsync(Ns, NewEvent("small"));
        await Task.WhenAll(big, small);

        var entries = await JournalEntriesAsync(Sys);
        Assert.Contains(entries, e => e.Count == 120 && e[0].Type == "big-0" && e[^1].Type == "big-119");
        Assert.Equal(121, await Engine.GetHeadAsync(Ns));
    }

    [SkippableFact]
    public async Task After_a_restart_the_head_comes_from_the_last_entry_and_any_sequence_is_found()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Engine.AppendAsync(Ns, NewEvent($"e-{i}"))));
        var all = results.OrderBy(e => e.Sequence).ToList();
        await Sys.Terminate();

        var system = ActorSystem.Create("restarted", Compose(Store.Config, SmallEntries));
        try
        {
            var engine = new ActorDispatchEngine(system, []);
            Assert.Equal(400, await engine.GetHeadAsync(Ns));

            // Nothing is known about entry starts now: each read first searches the journal.
            foreach (var from in new[] { 377, 1, 200, 399, 400, 57 })
            {
                var page = await engine.ReadEventsAsync(Ns, from, 5);
                Assert.Equal(all.Skip(from - 1).Take(5), page);
            }
            Assert.Equal(all[122], await engine.GetEventAsync(Ns, all[122].Id));

            var next = await engine.AppendAsync(Ns, NewEvent("after"));
            Assert.Equal(401, next.Sequence);
        }
        finally
        {
            await system.Terminate();
        }
    }

    // The namespace log's journal entries, each as the events it holds.
    private static async Task<IReadOnlyList<IReadOnlyList<Event>>> JournalEntriesAsync(ActorSystem system) =>
        (await JournalAsync(system)).Select(env => LogEntries.EventsOf(env.Event)).ToList();

    private static Task<IImmutableList<EventEnvelope>> JournalAsync(ActorSystem system) =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
            .CurrentEventsByPersistenceId(EventLog.PersistenceId(Ns), 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
}

public sealed class GroupCommitSpecOnSqlite(ITestOutputHelper output) : GroupCommitSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class GroupCommitSpecOnPostgres(ITestOutputHelper output) : GroupCommitSpec(output, StoreKind.Postgres);
