using System.Diagnostics.Metrics;
using Akka.Cluster;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// The cluster's membership as this node sees it, for the gauges: members per status, unreachable
/// members, and whether this node is the leader. Reads the cluster's own snapshot of its state
/// (<see cref="Akka.Cluster.Cluster.State"/>) when a collector asks; reports nothing on a single node.
/// </summary>
internal sealed class ClusterMembershipGauges
{
    private volatile Akka.Cluster.Cluster? _cluster;

    /// <summary>Called once, in cluster mode, when the engine starts.</summary>
    public void Attach(Akka.Cluster.Cluster cluster) => _cluster = cluster;

    public IEnumerable<Measurement<long>> Members()
    {
        if (_cluster is not { } cluster) return [];
        var members = cluster.State.Members;
        return Enum.GetValues<MemberStatus>().Select(status =>
            new Measurement<long>(members.Count(m => m.Status == status), new KeyValuePair<string, object?>(MetricTags.Status, StatusName(status))));
    }

    public IEnumerable<Measurement<long>> Unreachable() =>
        _cluster is { } cluster ? [new Measurement<long>(cluster.State.Unreachable.Count)] : [];

    public IEnumerable<Measurement<long>> IsLeader() =>
        _cluster is { } cluster ? [new Measurement<long>(cluster.State.Leader == cluster.SelfAddress ? 1 : 0)] : [];

    // Prometheus label values in the style of the other labels: lower case, underscores.
    private static string StatusName(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly_up",
        _ => status.ToString().ToLowerInvariant(),
    };
}
