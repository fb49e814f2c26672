namespace ActorDispatch.Dispatch;

/// <summary>
/// When each delivery's answer is due under a subscription's <c>ackTimeout</c>. Deliveries are
/// recorded in the order they are sent; with one timeout for all, the oldest unanswered delivery is
/// always the first due, so one timer for it is enough. Answered deliveries are dropped once they
/// reach the front (<see cref="Trim"/> after each answer), so the queue holds about a window's worth
/// while answers come in order. Pure and single-threaded; the dispatcher owns one.
/// </summary>
internal sealed class AckDeadlines(TimeSpan timeout)
{
    private readonly Queue<(Guid Id, TimeSpan Due)> _sent = new();

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>A delivery was sent at <paramref name="now"/> (time since any fixed start).</summary>
    public void Sent(Guid id, TimeSpan now) => _sent.Enqueue((id, now + Timeout));

    /// <summary>
    /// The earliest delivery still in flight whose answer is overdue at <paramref name="now"/>, if any,
    /// and otherwise how long until the next one is due (null: nothing in flight).
    /// </summary>
    public (Guid? Overdue, TimeSpan? Next) Check(TimeSpan now, Func<Guid, bool> inFlight)
    {
        Trim(inFlight);
        if (!_sent.TryPeek(out var first)) return (null, null);
        return first.Due <= now ? (first.Id, null) : (null, first.Due - now);
    }

    /// <summary>Drops the answered deliveries at the front.</summary>
    public void Trim(Func<Guid, bool> inFlight)
    {
        while (_sent.TryPeek(out var oldest) && !inFlight(oldest.Id)) _sent.Dequeue();
    }

    /// <summary>Deliveries recorded and not yet dropped.</summary>
    public int Count => _sent.Count;

    /// <summary>Forgets every delivery (a rewind).</summary>
    public void Clear() => _sent.Clear();
}
