using System.Text.Json;
using ActorDispatch.Configuration;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Configuration;

namespace ActorDispatch.Tests.Engine;

public abstract class EventLogSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store)
{
    [SkippableFact]
    public async Task Appends_get_dense_sequences_ids_and_timestamps_and_a_batch_keeps_its_order()
    {
        var single = await Engine.AppendAsync(Ns, NewEvent("first"));
        var batch = await Engine.AppendAsync(Ns, [NewEvent("a"), NewEvent("b"), NewEvent("c")]);

        Assert.Equal(1, single.Sequence);
        Assert.Equal([2L, 3, 4], batch.Select(e => e.Sequence));
        Assert.Equal(["a", "b", "c"], batch.Select(e => e.Type));
        Assert.All(batch, e => Assert.Equal(Ns, e.Namespace));
        Assert.Equal(4, batch.Select(e => e.Id).Append(single.Id).Distinct().Count());
        Assert.Equal(4, await Engine.GetHeadAsync(Ns));
        Assert.Equal(0, await Engine.GetHeadAsync("empty"));
    }

    [SkippableFact]
    public async Task Namespaces_have_independent_sequences()
    {
        await Engine.AppendAsync("ns-a", NewEvent());
        await Engine.AppendAsync("ns-a", NewEvent());
        var b = await Engine.AppendAsync("ns-b", NewEvent());
        Assert.Equal(1, b.Sequence);
        Assert.Equal(2, await Engine.GetHeadAsync("ns-a"));
    }

    [SkippableFact]
    public async Task Events_are_read_by_page_and_found_by_id()
    {
        var appended = await AppendManyAsync(10);

        var page = await Engine.ReadEventsAsync(Ns, 4, 3);
        Assert.Equal([4L, 5, 6], page.Select(e => e.Sequence));
        Assert.Equal(appended[3], page[0]);

        Assert.Equal(appended[7], await Engine.GetEventAsync(Ns, appended[7].Id));
        Assert.Null(await Engine.GetEventAsync(Ns, Guid.NewGuid()));
        Assert.Null(await Engine.GetEventAsync("other", appended[7].Id));
    }

    [SkippableTheory]
    [InlineData("type", "")]
    [InlineData("type", "has space")]
    [InlineData("topic", "long")]
    [InlineData("data", "huge")]
    public async Task Invalid_events_are_refused_naming_the_field_and_nothing_is_appended(string field, string value)
    {
        await Engine.AppendAsync(Ns, NewEvent());
        var bad = field switch
        {
            "type" => new NewEvent { Type = value },
            "topic" => NewEvent() with { Topic = new string('t', 257) },
            _ => NewEvent() with { Data = JsonSerializer.SerializeToElement(new string('x', 1024 * 1024 + 1)) },
        };

        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.AppendAsync(Ns, [NewEvent(), bad]));

        Assert.Contains($"'[1].{field}'", ex.Message);
        Assert.Equal(field == "data" ? ErrorKind.TooLarge : ErrorKind.BadRequest, ex.Kind);
        Assert.Equal(1, await Engine.GetHeadAsync(Ns)); // the valid first event of the batch was not appended either
    }

    [SkippableFact]
    public async Task A_drained_log_answers_every_append_it_took_then_stops()
    {
        // A log of its own (as a cluster entity is): the engine's would not be stopped by this spec.
        var logs = Sys.ActorOf(EventLogs.Props(DispatchSettings.Create(Sys), Sys.DeadLetters, new LogPositions()));
        Watch(logs);
        const int appends = 20;
        for (var i = 0; i < appends; i++) logs.Tell(new EventLog.Append("drained", [NewEvent()]), TestActor);
        logs.Tell(EventLog.Drain.Instance, TestActor);

        var sequences = new List<long>();
        for (var i = 0; i < appends; i++) sequences.AddRange((await ExpectMsgAsync<EventLog.Appended>()).Events.Select(e => e.Sequence));
        await ExpectTerminatedAsync(logs);
        Assert.Equal(Enumerable.Range(1, appends).Select(i => (long)i), sequences);
        Assert.Equal(appends, await Engine.GetHeadAsync("drained"));
    }

    [SkippableFact]
    public async Task An_idle_log_stops_and_the_next_command_starts_it_again_from_the_journal()
    {
        var settings = DispatchSettings.Create(Sys) with { LogIdleTimeout = TimeSpan.FromMilliseconds(300) };
        var logs = Sys.ActorOf(EventLogs.Props(settings, Sys.DeadLetters, new LogPositions()));
        logs.Tell(new EventLog.Append("idle", [NewEvent(), NewEvent()]), TestActor);
        await ExpectMsgAsync<EventLog.Appended>();
        var log = LastSender;
        Watch(log);

        await ExpectTerminatedAsync(log, TimeSpan.FromSeconds(10));
        logs.Tell(new EventLog.GetHead("idle"), TestActor);
        Assert.Equal(2, (await ExpectMsgAsync<EventLog.Head>()).Sequence);
        Assert.NotEqual(log, LastSender); // a new incarnation, recovered from the journal

        // A log with a reader watching it stays.
        logs.Tell(new EventLog.WatchHead("idle", TestActor), TestActor);
        await ExpectMsgAsync<EventLog.Head>();
        var watched = LastSender;
        Watch(watched);
        await ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
    }

    [SkippableFact]
    public async Task An_invalid_namespace_is_refused()
    {
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.AppendAsync("UPPER", NewEvent()));
        Assert.Contains("'namespace'", ex.Message);
    }
}

public abstract class BacklogSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store, extra: ConfigurationFactory.ParseString("actordispatch.dispatch.page-size = 500"))
{
    [SkippableFact]
    [Trait("Category", "Slow")]
    public async Task A_100k_backlog_is_read_page_by_page()
    {
        const int total = 100_000;
        for (var i = 0; i < total / 1000; i++) await AppendManyAsync(1000);
        await CreateSubscriptionAsync("scan", filter: new SubscriptionFilter { Events = "^never$" });
        Connect("scan");

        await AwaitAssertAsync(async () => Assert.Equal(total, await CommittedOffsetAsync("scan")), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));

        var status = await Engine.GetSubscriptionStatusAsync(Ns, "scan");
        Assert.Equal(total, status.EventsRead);
        // Pages end where journal entries end: never fewer events than the page size, so never more pages.
        Assert.InRange(status.PagesRead, 1, total / 500);
        Assert.Equal(0, status.Lag);
    }
}

public sealed class EventLogSpecOnSqlite(ITestOutputHelper output) : EventLogSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class EventLogSpecOnPostgres(ITestOutputHelper output) : EventLogSpec(output, StoreKind.Postgres);

public sealed class BacklogSpecOnSqlite(ITestOutputHelper output) : BacklogSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class BacklogSpecOnPostgres(ITestOutputHelper output) : BacklogSpec(output, StoreKind.Postgres);
