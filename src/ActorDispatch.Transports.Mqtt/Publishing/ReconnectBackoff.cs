namespace ActorDispatch.Transports.Mqtt.Publishing;

/// <summary>
/// The pauses between attempts to reach the broker: the initial delay, doubled after each failed
/// attempt up to the maximum, and back to the initial delay once a connection holds. No jitter:
/// each node has one connection, so there is no herd of clients to spread out.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan initial, TimeSpan max)
{
    private readonly TimeSpan _initial = initial;
    private TimeSpan _next = initial;

    /// <summary>The pause before the next attempt; each call doubles the one after it.</summary>
    public TimeSpan Next()
    {
        var current = _next;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, current.Ticks * 2));
        return current;
    }

    public void Reset() => _next = _initial;
}
