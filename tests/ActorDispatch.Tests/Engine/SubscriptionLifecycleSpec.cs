using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using ActorDispatch.Tests.Support;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorDispatch.Tests.Engine;

public abstract class SubscriptionLifecycleSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store, extra: ConfigurationFactory.ParseString("actordispatch.subscriptions.max = 3"))
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    [SkippableFact]
    public async Task Update_restarts_dispatch_with_the_new_definition_and_keeps_the_offset()
    {
        await Engine.AppendAsync(Ns, [NewEvent("a"), NewEvent("b"), NewEvent("c"), NewEvent("d")]);
        var created = await CreateSubscriptionAsync("app1");
        var conn = Connect("app1");
        Transport.Ack(conn, ExpectDelivery(1).Event.Id);
        Transport.Ack(conn, ExpectDelivery(2).Event.Id);
        await AwaitOffsetAsync("app1", 2);
        ExpectDelivery(3); // in flight when the update lands

        var saved = await Engine.UpsertSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "app1", Transport = "probe",
            Filter = new SubscriptionFilter { Events = "^(a|d)$" },
            Options = new SubscriptionOptions { FirstEvent = "oldest" },
        });

        Assert.False(saved.Created);
        Assert.Equal(created.Id, saved.Subscription.Id);
        Assert.Equal("^(a|d)$", saved.Subscription.Filter.Events);
        ExpectDelivery(4); // resumed after offset 2 with the new filter: a is not replayed, c is skipped
        Assert.Equal(3, await CommittedOffsetAsync("app1"));
    }

    [SkippableFact]
    public async Task Delete_stops_dispatch_and_removes_the_offset()
    {
        await AppendManyAsync(2);
        var created = await CreateSubscriptionAsync("app1");
        var conn = Connect("app1");
        Transport.Ack(conn, ExpectDelivery(1).Event.Id);
        ExpectDelivery(2);
        await AwaitOffsetAsync("app1", 1);
        await AwaitAssertAsync(async () => Assert.NotEmpty(await JournalOf(created.Id)), TimeSpan.FromSeconds(5)); // the offset was committed

        Assert.True(await Engine.DeleteSubscriptionAsync(Ns, "app1"));

        Assert.Null(await Engine.GetSubscriptionAsync(Ns, "app1"));
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.GetSubscriptionStatusAsync(Ns, "app1"));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
        await AwaitAssertAsync(async () => Assert.Empty(await JournalOf(created.Id)), TimeSpan.FromSeconds(5));
        await Engine.AppendAsync(Ns, NewEvent());
        Deliveries.ExpectNoMsg(Quiet);
        Assert.False(await Engine.DeleteSubscriptionAsync(Ns, "app1"));

        var recreated = await CreateSubscriptionAsync("app1");
        Assert.NotEqual(created.Id, recreated.Id);
        ExpectDelivery(1); // a new subscription starts from its firstEvent, not the old offset
    }

    [SkippableTheory]
    [InlineData("filter.events", "AD10101")]
    [InlineData("transport", "AD10102")]
    [InlineData("options.retries", "AD10103")]
    [InlineData("options.bogus", "AD10103")]
    [InlineData("options.url", "AD10103")]
    [InlineData("options.readAhead", "AD10103")]
    [InlineData("options.firstEvent", "AD10103")]
    [InlineData("options.batchTimeout", "AD10103")]
    [InlineData("options.batchSize", "AD10103")]
    [InlineData("options.ackTimeout", "AD10103")]
    [InlineData("name", "AD10100")]
    [InlineData("namespace", "AD10104")]
    public async Task Invalid_input_is_refused_naming_the_field_and_the_engine_keeps_running(string field, string code)
    {
        var input = new SubscriptionInput { Namespace = Ns, Name = "app1", Transport = "probe" };
        input = field switch
        {
            "filter.events" => input with { Filter = new SubscriptionFilter { Events = "([a-z" } },
            "transport" => input with { Transport = "carrier-pigeon" },
            "options.retries" => input with { Options = TransportOption("retries", -1) },
            "options.bogus" => input with { Options = TransportOption("bogus", true) },
            "options.url" => input with { Options = TransportOption("url", "ftp://example") },
            "options.readAhead" => input with { Options = new SubscriptionOptions { ReadAhead = 70_000 } },
            "options.firstEvent" => input with { Options = new SubscriptionOptions { FirstEvent = "yesterday" } },
            "options.batchTimeout" => input with { Options = new SubscriptionOptions { BatchTimeout = "soon" } },
            "options.batchSize" => input with { Options = new SubscriptionOptions { BatchSize = 0 } },
            "options.ackTimeout" => input with { Options = new SubscriptionOptions { AckTimeout = "0s" } },
            "name" => input with { Name = "not a name!" },
            _ => input with { Namespace = "Not/A/Namespace" },
        };

        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.CreateSubscriptionAsync(input));

        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
        Assert.StartsWith(code + ":", ex.Message);
        Assert.Contains($"'{field}'", ex.Message);
        Assert.Empty(await Engine.ListSubscriptionsAsync(Ns));
        await CreateSubscriptionAsync("still-works");
    }

    [SkippableFact]
    public async Task A_taken_name_is_a_conflict_and_the_maximum_number_of_subscriptions_is_enforced()
    {
        await CreateSubscriptionAsync("app1");
        var taken = await Assert.ThrowsAsync<ActorDispatchException>(() => CreateSubscriptionAsync("app1"));
        Assert.Equal(ErrorKind.Conflict, taken.Kind);

        await CreateSubscriptionAsync("app2");
        await CreateSubscriptionAsync("app3");
        var full = await Assert.ThrowsAsync<ActorDispatchException>(() => CreateSubscriptionAsync("app4"));
        Assert.Equal(ErrorKind.Conflict, full.Kind);
        Assert.Contains("subscriptions.max", full.Message);
        Assert.Equal(3, (await Engine.ListSubscriptionsAsync(Ns)).Count);
    }

    [SkippableFact]
    public async Task Subscriptions_are_found_by_id_or_name_within_their_namespace()
    {
        var created = await CreateSubscriptionAsync("app1");
        Assert.Equal(created, await Engine.GetSubscriptionAsync(Ns, created.Id.ToString()));
        Assert.Equal(created, await Engine.GetSubscriptionAsync(Ns, "app1"));
        Assert.Null(await Engine.GetSubscriptionAsync("other", "app1"));
        Assert.Null(await Engine.GetSubscriptionAsync("other", created.Id.ToString()));
    }

    [SkippableFact]
    public async Task Change_events_reach_only_the_listeners_that_asked_for_the_collection()
    {
        var nothing = new SubscriptionFilter { Events = "^never$" };
        await Transport.Callbacks.EphemeralSubscriptionAsync("subs-listener", Ns, nothing, SubscriptionOptions.Empty, changeEvents: "^subscriptions$");
        await Transport.Callbacks.EphemeralSubscriptionAsync("events-listener", Ns, nothing, SubscriptionOptions.Empty, changeEvents: "^events$");
        await Transport.Callbacks.EphemeralSubscriptionAsync("deaf", Ns, nothing, SubscriptionOptions.Empty);
        await Transport.Callbacks.EphemeralSubscriptionAsync("other-namespace", "other", nothing, SubscriptionOptions.Empty, changeEvents: ".*");

        var created = await CreateSubscriptionAsync("app1");
        var change = Deliveries.ExpectMsg<ProbeTransport.ChangeReceived>(TimeSpan.FromSeconds(5));
        Assert.Equal(("subs-listener", "subscriptions", ChangeEventType.Created, created.Id.ToString()),
            (change.ConnectionId, change.Change.Collection, change.Change.Type, change.Change.Id));
        Deliveries.ExpectNoMsg(Quiet);

        var appended = await Engine.AppendAsync(Ns, NewEvent());
        var eventChange = Deliveries.ExpectMsg<ProbeTransport.ChangeReceived>(TimeSpan.FromSeconds(5));
        Assert.Equal(("events-listener", "events", appended.Sequence), (eventChange.ConnectionId, eventChange.Change.Collection, eventChange.Change.Sequence));

        Engine.PublishChangeEvent(new ChangeEvent { Collection = "subscriptions", Type = ChangeEventType.Updated, Namespace = Ns, Id = "host-own" });
        Assert.Equal("host-own", Deliveries.ExpectMsg<ProbeTransport.ChangeReceived>(TimeSpan.FromSeconds(5)).Change.Id);
        Deliveries.ExpectNoMsg(Quiet);
    }

    private static SubscriptionOptions TransportOption(string name, object value) =>
        (JsonSerializer.Deserialize<SubscriptionOptions>(JsonSerializer.Serialize(new Dictionary<string, object> { [name] = value }), ActorDispatchJson.Options))!;

    private Task<IImmutableList<EventEnvelope>> JournalOf(Guid id) =>
        PersistenceQuery.Get(Sys).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
            .CurrentEventsByPersistenceId(DurableSubscription.PersistenceId(id), 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), Sys.Materializer());
}

public sealed class SubscriptionLifecycleSpecOnSqlite(ITestOutputHelper output) : SubscriptionLifecycleSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class SubscriptionLifecycleSpecOnPostgres(ITestOutputHelper output) : SubscriptionLifecycleSpec(output, StoreKind.Postgres);
