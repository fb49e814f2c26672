using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;

namespace ActorDispatch.Transports.WebSockets.Tests.Unit;

public sealed class InFlightDeliveriesTests
{
    private static readonly SubscriptionRef A = new() { Id = Guid.NewGuid(), Namespace = "ns", Name = "a" };
    private static readonly SubscriptionRef B = new() { Id = Guid.NewGuid(), Namespace = "ns", Name = "b" };

    private static InFlightDeliveries.Entry Entry(SubscriptionRef sub, long sequence, Guid? id = null) =>
        new(id ?? Guid.NewGuid(), sub, sequence, sequence);

    [Fact]
    public void TakeOldest_returns_deliveries_in_delivery_order()
    {
        var inFlight = new InFlightDeliveries();
        var first = Entry(A, 1);
        var second = Entry(B, 1);
        inFlight.Add(first);
        inFlight.Add(second);

        Assert.Equal(first, inFlight.TakeOldest(null));
        Assert.Equal(second, inFlight.TakeOldest(null));
        Assert.Null(inFlight.TakeOldest(null));
    }

    [Fact]
    public void TakeOldest_of_a_named_subscription_skips_the_others()
    {
        var inFlight = new InFlightDeliveries();
        inFlight.Add(Entry(A, 1));
        var b = Entry(B, 1);
        inFlight.Add(b);

        Assert.Equal(b, inFlight.TakeOldest(new SubscriptionRef { Namespace = "ns", Name = "b" }));
        Assert.Equal(1, inFlight.Count);
    }

    [Fact]
    public void One_id_in_flight_on_two_subscriptions_is_taken_per_subscription()
    {
        var inFlight = new InFlightDeliveries();
        var id = Guid.NewGuid();
        inFlight.Add(Entry(A, 5, id));
        inFlight.Add(Entry(B, 5, id));

        Assert.Equal(B, inFlight.Take(id, new SubscriptionRef { Id = B.Id })!.Subscription);
        Assert.Null(inFlight.Take(id, new SubscriptionRef { Id = B.Id }));
        Assert.Equal(A, inFlight.Take(id, null)!.Subscription);
        Assert.Equal(0, inFlight.Count);
    }

    [Fact]
    public void A_replay_replaces_the_subscriptions_deliveries_from_its_sequence_on()
    {
        var inFlight = new InFlightDeliveries();
        var a1 = Entry(A, 1);
        inFlight.Add(a1);
        inFlight.Add(Entry(A, 2));
        inFlight.Add(Entry(A, 3));
        var b1 = Entry(B, 1);
        inFlight.Add(b1);

        var replay = Entry(A, 2);
        inFlight.Add(replay);

        Assert.Equal(3, inFlight.Count);
        Assert.Equal(a1, inFlight.TakeOldest(null));
        Assert.Equal(b1, inFlight.TakeOldest(null));
        Assert.Equal(replay, inFlight.TakeOldest(null));
    }

    [Fact]
    public void Forget_drops_only_that_subscriptions_deliveries()
    {
        var inFlight = new InFlightDeliveries();
        inFlight.Add(Entry(A, 1));
        inFlight.Add(Entry(A, 2));
        var b = Entry(B, 1);
        inFlight.Add(b);

        inFlight.Forget(A);

        Assert.Equal(b, Assert.IsType<InFlightDeliveries.Entry>(inFlight.TakeOldest(null)));
        Assert.Equal(0, inFlight.Count);
    }

    [Fact]
    public void A_batch_is_tracked_by_its_id_over_its_sequence_range()
    {
        var inFlight = new InFlightDeliveries();
        var batch = new InFlightDeliveries.Entry(Guid.NewGuid(), A, 1, 50);
        inFlight.Add(batch);
        inFlight.Add(new InFlightDeliveries.Entry(Guid.NewGuid(), A, 51, 100));

        Assert.Equal(batch, inFlight.Take(batch.Id, null));
        Assert.Equal(1, inFlight.Count);
    }
}
