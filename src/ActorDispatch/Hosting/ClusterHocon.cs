using System.Globalization;
using ActorDispatch.Cluster;
using Akka.Configuration;

namespace ActorDispatch.Hosting;

/// <summary>The HOCON of cluster mode, beside what Akka.Cluster.Hosting writes: the engine's switch, the node's name and role, the lease's store, and failover tuning.</summary>
internal static class ClusterHocon
{
    /// <summary>
    /// A killed node is unreachable after the failure detector's pause (3s), down after the
    /// resolver's stable-after (3s), and its shards start elsewhere once its leases expire (8s after
    /// their last renewal): its subscriptions resume within about 15s. The removal margin is short
    /// because the leases, not the margin, keep a node that was cut off from writing.
    /// </summary>
    public static Config Create(string nodeName, string postgresConnectionString) =>
         ConfigurationFactory.ParseString($$"""
            actordispatch.cluster {
              enabled = on
              node-name = {{Quote(nodeName)}}
              lease.connection-string = {{Quote(postgresConnectionString)}}
            }
            akka.cluster {
              roles = [{{Quote(ClusterNodes.Role(nodeName))}}]
              failure-detector.acceptable-heartbeat-pause = 3s
              split-brain-resolver.stable-after = 3s
              down-removal-margin = 500ms
              sharding {
                remember-entities-store = eventsourced
                entity-restart-backoff = 1s
                coordinator-failure-backoff = 2s
                retry-interval = 1s
              }
            }
            """);

    /// <summary>A seed as <c>host:port</c>.</summary>
    public static (string Host, int Port) ParseSeed(string seed)
    {
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw Errors.InvalidField("Cluster:Seeds", $"'{seed}' is not host:port");
        return (seed[..colon], port);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
