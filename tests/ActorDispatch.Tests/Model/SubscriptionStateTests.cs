using ActorDispatch.Model;
using ActorDispatch.Subscriptions;

namespace ActorDispatch.Tests.Model;

public sealed class SubscriptionStateTests
{
    private static readonly Subscription Definition = new()
    {
        Id = Guid.NewGuid(), Namespace = "default", Name = "app", Transport = "ws",
        Filter = SubscriptionFilter.Empty, Options = SubscriptionOptions.Empty,
    };

    private static ParkedEvent Parked(long sequence, int deliveries = 3) =>
        new() { Sequence = sequence, Id = Guid.NewGuid(), Deliveries = deliveries, Reason = "rejected", Parked = DateTimeOffset.UnixEpoch };

    private static SubscriptionState Replay(params object[] events) => events.Aggregate(SubscriptionState.Empty, (s, e) => s.Apply(e));

    [Fact]
    public void Commits_only_move_forward_and_a_reset_moves_either_way()
    {
        var state = Replay(new SubscriptionEvents.Defined(Definition, 0), new SubscriptionEvents.OffsetCommitted(10), new SubscriptionEvents.OffsetCommitted(7));
        Assert.Equal(10, state.Offset);
        Assert.Equal(3, state.Apply(new SubscriptionEvents.OffsetReset(3)).Offset);
        Assert.Equal(4, state.Apply(new SubscriptionEvents.OffsetReset(3)).Apply(new SubscriptionEvents.OffsetCommitted(4)).Offset);
    }

    [Fact]
    public void Parking_again_replaces_the_entry_and_removal_takes_only_what_is_listed()
    {
        var state = Replay(new SubscriptionEvents.Defined(Definition, 0),
            new SubscriptionEvents.EventsParked([Parked(5), Parked(9)]),
            new SubscriptionEvents.EventsParked([Parked(5, deliveries: 6)]));
        Assert.Equal([5L, 9L], state.Parked.Keys);
        Assert.Equal(6, state.Parked[5].Deliveries);

        state = state.Apply(new SubscriptionEvents.ParkedRemoved([9, 42]));
        Assert.Equal([5L], state.Parked.Keys);
        Assert.Equal([5L], state.ParkedAmong([42, 5, 5]).Select(p => p.Sequence));
        Assert.Equal([5L], state.ParkedAmong(null).Select(p => p.Sequence));
    }

    [Fact]
    public void A_snapshot_restores_everything_and_an_old_snapshot_without_parked_or_paused_reads_as_none()
    {
        var state = Replay(new SubscriptionEvents.Defined(Definition, 0), new SubscriptionEvents.OffsetCommitted(12),
            new SubscriptionEvents.EventsParked([Parked(3)]), new SubscriptionEvents.PauseChanged(true));

        Assert.Equal(state, SubscriptionState.Empty.Apply(state.ToSnapshot()) with { Parked = state.Parked });
        Assert.Equal(state.Parked.Values, SubscriptionState.Empty.Apply(state.ToSnapshot()).Parked.Values);
        var old = SubscriptionState.Empty.Apply(new SubscriptionEvents.Snapshot(Definition, 12));
        Assert.Empty(old.Parked);
        Assert.False(old.Paused);
    }
}
