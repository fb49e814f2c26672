using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using Akka.Actor;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Engine;

public abstract class ConnectionSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    [SkippableFact]
    public async Task One_connection_is_active_and_the_next_takes_over_from_the_committed_offset_when_it_closes()
    {
        await AppendManyAsync(3);
        await CreateSubscriptionAsync("app1");
        var first = Connect("app1");
        var second = Connect("app1");

        var d1 = ExpectDelivery(1);
        Assert.Equal(first, d1.ConnectionId);
        Transport.Ack(first, d1.Event.Id);
        var d2 = ExpectDelivery(2);
        Assert.Equal(first, d2.ConnectionId);
        await AwaitOffsetAsync("app1", 1);
        Deliveries.ExpectNoMsg(Quiet); // the second connection only waits

        Transport.Callbacks.ConnectionClosed(first); // event 2 was in flight, unacked

        var again = ExpectDelivery(2);
        Assert.Equal(second, again.ConnectionId);
        Transport.Ack(first, d2.Event.Id); // a late ack on the closed connection changes nothing
        Transport.Ack(second, again.Event.Id);
        Assert.Equal(second, ExpectDelivery(3).ConnectionId);
        await AwaitOffsetAsync("app1", 2);
    }

    [SkippableFact]
    public async Task The_same_event_in_flight_for_two_subscriptions_on_one_connection_is_answered_per_subscription()
    {
        await AppendManyAsync(1);
        await CreateSubscriptionAsync("left");
        await CreateSubscriptionAsync("right");
        var connection = Connect("left", "right");
        var deliveries = new[] { ExpectDelivery(1), ExpectDelivery(1) };
        var right = deliveries.Single(d => d.Delivery.Subscription.Name == "right");
        Assert.Equal(deliveries[0].Event.Id, deliveries[1].Event.Id);

        Transport.Ack(right); // names its subscription: only "right" moves
        await AwaitOffsetAsync("right", 1);
        Assert.Equal(0, await CommittedOffsetAsync("left"));

        Transport.Ack(connection, right.Event.Id); // names none: the one still in flight, "left"
        await AwaitOffsetAsync("left", 1);
    }

    [SkippableFact]
    public async Task Registering_again_with_a_narrower_matcher_stops_the_dispatchers_that_no_longer_match()
    {
        await CreateSubscriptionAsync("app1", firstEvent: "newest");
        await CreateSubscriptionAsync("app2", firstEvent: "newest");
        var conn = $"conn-{Guid.NewGuid():N}";
        Transport.Callbacks.RegisterConnection(conn, s => s.Name is "app1" or "app2");
        await AwaitAssertAsync(async () => Assert.Equal(conn, (await Engine.GetSubscriptionStatusAsync(Ns, "app2")).Connection), TimeSpan.FromSeconds(5));

        Transport.Callbacks.RegisterConnection(conn, s => s.Name == "app1");
        await AwaitAssertAsync(async () => Assert.Null((await Engine.GetSubscriptionStatusAsync(Ns, "app2")).Connection), TimeSpan.FromSeconds(5));

        await Engine.AppendAsync(Ns, NewEvent());
        var d = ExpectDelivery(1);
        Assert.Equal("app1", d.Delivery.Subscription.Name);
        Deliveries.ExpectNoMsg(Quiet);
    }

    [SkippableFact]
    public async Task Registering_a_wider_matcher_starts_dispatchers_for_newly_matching_subscriptions()
    {
        await AppendManyAsync(1);
        await CreateSubscriptionAsync("app1");
        await CreateSubscriptionAsync("app2");
        var conn = $"conn-{Guid.NewGuid():N}";
        Transport.Callbacks.RegisterConnection(conn, s => s.Name == "app1");
        Assert.Equal("app1", ExpectDelivery(1).Delivery.Subscription.Name);

        Transport.Callbacks.RegisterConnection(conn, _ => true);
        Assert.Equal("app2", ExpectDelivery(1).Delivery.Subscription.Name);
    }

    [SkippableFact]
    public async Task Ephemeral_subscriptions_start_at_newest_and_end_with_their_connection()
    {
        await AppendManyAsync(2);
        var conn = $"conn-{Guid.NewGuid():N}";
        var sub = await Transport.Callbacks.EphemeralSubscriptionAsync(conn, Ns, SubscriptionFilter.Empty, SubscriptionOptions.Empty);
        Assert.True(sub.Ephemeral);
        Assert.Empty(await Engine.ListSubscriptionsAsync(Ns));

        await Engine.AppendAsync(Ns, NewEvent());
        var d = ExpectDelivery(3);
        Assert.Equal(sub.Id, d.Delivery.Subscription.Id);
        Transport.Ack(conn, d.Event.Id);

        Transport.Callbacks.ConnectionClosed(conn);
        await Engine.AppendAsync(Ns, NewEvent());
        Deliveries.ExpectNoMsg(Quiet);
    }

    [SkippableFact]
    public async Task An_ephemeral_start_racing_its_connection_close_leaves_nothing_behind()
    {
        var start = Transport.Callbacks.EphemeralSubscriptionAsync("racer", Ns, SubscriptionFilter.Empty, SubscriptionOptions.Empty, changeEvents: ".*");
        Transport.Callbacks.ConnectionClosed("racer");
        try
        {
            await start; // finished before the close: the close then ended it
        }
        catch (ActorDispatchException ex)
        {
            Assert.Contains("closed before", ex.Message);
        }

        await Engine.AppendAsync(Ns, NewEvent());
        Deliveries.ExpectNoMsg(Quiet); // no delivery, no change event for the closed connection
    }

    [SkippableFact]
    public async Task An_invalid_ephemeral_subscription_is_refused_naming_the_field()
    {
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Transport.Callbacks.EphemeralSubscriptionAsync(
            "conn-x", Ns, new SubscriptionFilter { Topic = "(unclosed" }, SubscriptionOptions.Empty));
        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
        Assert.Contains("filter.topic", ex.Message);
    }

    [SkippableFact]
    public async Task A_restarted_catalog_leaves_dispatch_alone_and_serves_again()
    {
        await CreateSubscriptionAsync("app1", firstEvent: "newest");
        var conn = Connect("app1", "app2");
        await Engine.AppendAsync(Ns, NewEvent());
        var inFlight = ExpectDelivery(1);

        // As after a failed store write: the catalog stops and its supervisor starts a new one.
        Sys.ActorSelection("/user/actordispatch-catalog/actor").Tell(Akka.Actor.PoisonPill.Instance, Akka.Actor.ActorRefs.NoSender);

        // The subscription kept running: its delivery is still in flight, not sent again.
        await AwaitAssertAsync(async () => Assert.Equal(1, (await Engine.GetSubscriptionStatusAsync(Ns, "app1")).InFlight),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        Transport.Ack(conn, inFlight.Event.Id);
        await AwaitOffsetAsync("app1", 1);
        // The registry watches the new catalog: a subscription created now is served by the connection.
        await CreateSubscriptionAsync("app2");
        var first = ExpectDelivery(1);
        Assert.Equal("app2", first.Delivery.Subscription.Name);
        Deliveries.ExpectNoMsg(Quiet);
    }

    [SkippableFact]
    public async Task A_restarted_connection_registry_serves_the_registered_connections_again()
    {
        await CreateSubscriptionAsync("app1", firstEvent: "newest");
        var conn = Connect("app1");
        await Engine.AppendAsync(Ns, NewEvent());
        Transport.Ack(conn, ExpectDelivery(1).Event.Id);
        await AwaitOffsetAsync("app1", 1);

        Sys.ActorSelection("/user/actordispatch-connections/actor").Tell(Akka.Actor.PoisonPill.Instance, Akka.Actor.ActorRefs.NoSender);

        await AwaitAssertAsync(async () => Assert.Equal(conn, (await Engine.GetSubscriptionStatusAsync(Ns, "app1")).Connection),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        await Engine.AppendAsync(Ns, NewEvent());
        ExpectDelivery(2);
    }

    [SkippableFact]
    public async Task A_durable_subscription_actor_that_stops_unexpectedly_is_started_again_from_its_offset()
    {
        await AppendManyAsync(2);
        var sub = await CreateSubscriptionAsync("app1");
        var conn = Connect("app1");
        Transport.Ack(conn, ExpectDelivery(1).Event.Id);
        ExpectDelivery(2);
        await AwaitOffsetAsync("app1", 1);
        var child = await FlushAsync(sub);
        child.Tell(Akka.Actor.PoisonPill.Instance, Akka.Actor.ActorRefs.NoSender); // as after a failed store write

        ExpectDelivery(2, TimeSpan.FromSeconds(15)); // redelivered by the new incarnation, from offset 1
    }

    // Persists the committed offset now, so that a stop cannot lose it; returns the subscription's actor.
    private async Task<IActorRef> FlushAsync(Subscription sub)
    {
        var child = await Sys.ActorSelection($"/user/actordispatch-subscriptions/subscription-{sub.Id:N}-1").ResolveOne(TimeSpan.FromSeconds(3));
        await child.Ask<DurableSubscription.Flushed>(DurableSubscription.Flush.Instance, TimeSpan.FromSeconds(5));
        return child;
    }

    [SkippableFact]
    public async Task A_matcher_that_throws_is_treated_as_no_match_and_the_engine_keeps_running()
    {
        await AppendManyAsync(1);
        await CreateSubscriptionAsync("app1");
        Transport.Callbacks.RegisterConnection("bad", _ => throw new InvalidOperationException("boom"));
        Deliveries.ExpectNoMsg(Quiet);

        Connect("app1");
        ExpectDelivery(1);
    }
}

public sealed class ConnectionSpecOnSqlite(ITestOutputHelper output) : ConnectionSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class ConnectionSpecOnPostgres(ITestOutputHelper output) : ConnectionSpec(output, StoreKind.Postgres);
