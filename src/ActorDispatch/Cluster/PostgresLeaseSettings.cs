using Akka.Coordination;

namespace ActorDispatch.Cluster;

/// <summary>
/// What <see cref="PostgresLease"/> needs, read once from its HOCON section
/// (<c>actordispatch.cluster.lease</c>, with Akka's <c>akka.coordination.lease</c> as fallback).
/// <see cref="HeartbeatTimeout"/> is the TTL the database enforces; the holder gives the lease up
/// <see cref="SafetyMargin"/> earlier by its own clock, so that it has stopped (its entities too)
/// before the database lets another owner in.
/// </summary>
internal sealed record PostgresLeaseSettings(
    string ConnectionString,
    TimeSpan HeartbeatTimeout,
    TimeSpan HeartbeatInterval,
    TimeSpan OperationTimeout,
    TimeSpan SafetyMargin)
{
    /// <summary>
    /// The timeouts come from Akka's own parse of the section (<see cref="LeaseSettings.TimeoutSettings"/>,
    /// which also insists that the interval be under half the timeout), except that an empty
    /// <c>heartbeat-interval</c> means a third of the TTL, not Akka's 5s-or-a-tenth.
    /// <c>safety-margin</c> is optional: a sixth of the TTL when absent.
    /// </summary>
    public static PostgresLeaseSettings Create(LeaseSettings settings)
    {
        var config = settings.LeaseConfig;
        var timeouts = settings.TimeoutSettings;
        var ttl = timeouts.HeartbeatTimeout;

        var connectionString = config.GetString("connection-string", "");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException($"The PostgreSQL lease [{settings.LeaseName}] needs a connection-string in its configuration");

        var interval = string.IsNullOrEmpty(config.GetString("heartbeat-interval", ""))
            ? ttl / 3
            : timeouts.HeartbeatInterval;
        var margin = string.IsNullOrEmpty(config.GetString("safety-margin", ""))
            ? ttl / 6
            : config.GetTimeSpan("safety-margin");

        if (ttl <= TimeSpan.Zero) throw new ArgumentException($"heartbeat-timeout must be positive, not {ttl}");
        if (interval <= TimeSpan.Zero) throw new ArgumentException($"heartbeat-interval must be positive, not {interval}");
        if (timeouts.OperationTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"lease-operation-timeout must be positive, not {timeouts.OperationTimeout}");
        // A healthy holder must renew before it would give the lease up by its own clock.
        if (interval + margin >= ttl)
            throw new ArgumentException(
                $"safety-margin ({margin}) and heartbeat-interval ({interval}) together must be less than heartbeat-timeout ({ttl})");

        return new PostgresLeaseSettings(connectionString, ttl, interval, timeouts.OperationTimeout, margin);
    }

    /// <summary>Without the connection string, which may carry a password.</summary>
    public override string ToString() =>
        $"PostgresLeaseSettings(ttl {HeartbeatTimeout}, interval {HeartbeatInterval}, operation timeout {OperationTimeout}, safety margin {SafetyMargin})";
}
