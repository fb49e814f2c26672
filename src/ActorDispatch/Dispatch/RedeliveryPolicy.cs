namespace ActorDispatch.Dispatch;

/// <summary>
/// Decides what a failed delivery (reject, delivery error, ack timeout) leads to: a rewind after a
/// pause, or, once the event has failed <c>maxDeliveries</c> times, parking it. Counts the failed
/// attempts of each event by its sequence; an event redelivered only because an earlier one rewound
/// is not counted, since only the delivery that failed is. Pure and single-threaded; the dispatcher
/// owns one.
/// </summary>
internal sealed class RedeliveryPolicy(int maxDeliveries, IReadOnlyList<TimeSpan>? backoff, TimeSpan rewindMin, TimeSpan rewindMax)
{
    /// <summary>Park the event (<see cref="Park"/>), or rewind after <see cref="Delay"/>.</summary>
    public readonly record struct Decision(bool Park, int Attempts, TimeSpan Delay);

    private readonly Dictionary<long, int> _attempts = new();

    /// <summary>
    /// The delivery starting at <paramref name="sequence"/> failed. <paramref name="rewindsWithoutProgress"/>
    /// drives the default pause; <paramref name="requested"/> (a nack's delay, a Retry-After) is a floor.
    /// </summary>
    public Decision Failed(long sequence, int rewindsWithoutProgress, TimeSpan? requested)
    {
        var attempts = _attempts[sequence] = _attempts.GetValueOrDefault(sequence) + 1;
        if (maxDeliveries > 0 && attempts >= maxDeliveries)
        {
            _attempts.Remove(sequence);
            return new Decision(Park: true, attempts, TimeSpan.Zero);
        }
        var pause = backoff is { Count: > 0 } steps ? steps[Math.Min(attempts, steps.Count) - 1] : Pause(rewindsWithoutProgress);
        return new Decision(Park: false, attempts, requested is { } floor && floor > pause ? floor : pause);
    }

    /// <summary>The delivery starting at <paramref name="sequence"/> was acked: its count starts again.</summary>
    public void Succeeded(long sequence) => _attempts.Remove(sequence);

    /// <summary>Whether any failed attempt is counted: while none is, an ack has nothing to clear.</summary>
    public bool Counting => _attempts.Count > 0;

    /// <summary>Failed attempts counted so far for the event at <paramref name="sequence"/>.</summary>
    public int Attempts(long sequence) => _attempts.GetValueOrDefault(sequence);

    /// <summary>The default pause before a rewind: none the first time, then doubling from min to max while no progress is made.</summary>
    public TimeSpan Pause(int rewindsWithoutProgress)
    {
        if (rewindsWithoutProgress == 0) return TimeSpan.Zero;
        var factor = Math.Pow(2, Math.Min(rewindsWithoutProgress - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(rewindMax.Ticks, rewindMin.Ticks * factor));
    }
}
