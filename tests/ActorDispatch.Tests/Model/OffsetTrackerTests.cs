using ActorDispatch.Dispatch;

namespace ActorDispatch.Tests.Model;

public sealed class OffsetTrackerTests
{
    [Fact]
    public void Acks_out_of_order_commit_only_once_the_gap_fills()
    {
        var tracker = new OffsetTracker(10);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        tracker.Delivered(a, 11);
        tracker.Delivered(b, 12);
        tracker.Delivered(c, 13);

        Assert.False(tracker.Ack(c));
        Assert.False(tracker.Ack(b));
        Assert.Equal(10, tracker.Committed);
        Assert.Equal(1, tracker.InFlight);

        Assert.True(tracker.Ack(a));
        Assert.Equal(13, tracker.Committed);
        Assert.Equal(0, tracker.InFlight);
    }

    [Fact]
    public void Skipped_events_commit_at_once_when_nothing_is_in_flight_and_after_the_deliveries_before_them_otherwise()
    {
        var tracker = new OffsetTracker(0);
        Assert.True(tracker.Skipped(3));
        Assert.Equal(3, tracker.Committed);

        var d = Guid.NewGuid();
        tracker.Delivered(d, 4);
        Assert.False(tracker.Skipped(7));
        Assert.False(tracker.Skipped(9)); // merged into one skip range
        Assert.Equal(3, tracker.Committed);

        Assert.True(tracker.Ack(d));
        Assert.Equal(9, tracker.Committed);
    }

    [Fact]
    public void Unknown_and_repeated_acks_change_nothing()
    {
        var tracker = new OffsetTracker(5);
        var d = Guid.NewGuid();
        tracker.Delivered(d, 6);
        Assert.False(tracker.Ack(Guid.NewGuid()));
        Assert.True(tracker.Ack(d));
        Assert.False(tracker.Ack(d));
        Assert.Equal(6, tracker.Committed);
    }

    [Fact]
    public void Reset_forgets_deliveries_and_keeps_the_committed_offset()
    {
        var tracker = new OffsetTracker(2);
        var d = Guid.NewGuid();
        tracker.Delivered(d, 3);
        tracker.Delivered(Guid.NewGuid(), 4);
        tracker.Reset();

        Assert.Equal(2, tracker.Committed);
        Assert.Equal(2, tracker.Scanned);
        Assert.Equal(0, tracker.InFlight);
        Assert.False(tracker.IsInFlight(d));
    }

    [Fact]
    public void A_delivery_in_flight_keeps_its_first_sequence_payload_and_send_time_and_the_oldest_is_known()
    {
        var tracker = new OffsetTracker(0);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        tracker.Delivered(a, 1, 3, TimeSpan.FromSeconds(1), "batch a");
        tracker.Delivered(b, 4, 4, TimeSpan.FromSeconds(2), "b");

        Assert.True(tracker.TryGet(a, out var first, out var payload));
        Assert.Equal((1L, "batch a"), (first, payload));
        Assert.Equal(TimeSpan.FromSeconds(1), tracker.OldestSentAt);
        tracker.Ack(a);
        Assert.Equal(TimeSpan.FromSeconds(2), tracker.OldestSentAt);
        Assert.False(tracker.TryGet(a, out _, out _));
        tracker.Ack(b);
        Assert.Null(tracker.OldestSentAt);
    }
}
