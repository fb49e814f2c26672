using System.Diagnostics;

namespace ActorDispatch.Cluster;

/// <summary>
/// The holder's side of a lease's TTL, in <see cref="Stopwatch"/> timestamps: a monotonic clock,
/// so a wall-clock step on the node can neither stretch nor cut its tenure. A renewal sent at
/// <c>t</c> makes the database set the expiry to its own <c>now() + ttl</c>, and the database's now
/// is no earlier than <c>t</c>; so the holder counts <see cref="ValidFor"/> (the TTL minus the
/// safety margin) from when it sent the statement, not from when the answer came back.
/// </summary>
internal sealed record LeaseTiming(TimeSpan HeartbeatInterval, TimeSpan ValidFor)
{
    public static LeaseTiming From(PostgresLeaseSettings settings) =>
        new(settings.HeartbeatInterval, settings.HeartbeatTimeout - settings.SafetyMargin);

    /// <summary>The timestamp until which a renewal (or acquire) sent at <paramref name="sentAt"/> keeps the lease.</summary>
    public long DeadlineFor(long sentAt) => sentAt + ToTimestampTicks(ValidFor);

    /// <summary>
    /// How long to wait before the next renewal: a heartbeat interval after the last attempt, but
    /// never past the deadline, so that a holder whose renewals fail notices the deadline on time.
    /// </summary>
    public TimeSpan DelayBeforeRenewal(long now, long lastAttemptAt, long deadline) =>
        Between(now, Math.Min(lastAttemptAt + ToTimestampTicks(HeartbeatInterval), deadline));

    /// <summary>Time left until <paramref name="deadline"/>; zero once it has passed.</summary>
    public static TimeSpan Remaining(long now, long deadline) => Between(now, deadline);

    public static bool HasPassed(long now, long deadline) => now >= deadline;

    private static TimeSpan Between(long from, long to) =>
        to <= from ? TimeSpan.Zero : Stopwatch.GetElapsedTime(from, to);

    private static long ToTimestampTicks(TimeSpan span) =>
        (long)(span.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));
}
