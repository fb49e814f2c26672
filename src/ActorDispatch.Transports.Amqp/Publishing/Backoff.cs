namespace ActorDispatch.Transports.Amqp.Publishing;

/// <summary>
/// Pauses between connect attempts: doubling from the minimum up to the maximum, with up to a
/// quarter of jitter, so that several servers do not all reconnect to a restarted broker at once.
/// A pure function of the attempt number and a random draw.
/// </summary>
internal static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max, double random)
    {
        var exponent = Math.Min(attempt, 30);
        var ticks = Math.Min(max.Ticks, min.Ticks * Math.Pow(2, exponent));
        var jittered = ticks * (1 - 0.25 * Math.Clamp(random, 0, 1));
        return TimeSpan.FromTicks((long)Math.Max(min.Ticks, jittered));
    }
}
