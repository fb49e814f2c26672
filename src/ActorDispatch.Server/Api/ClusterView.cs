using ActorDispatch.Cluster;
using Akka.Actor;
using Akka.Cluster;

namespace ActorDispatch.Server.Api;

/// <summary>The <c>cluster</c> section of <c>/api/v1/status</c>: this node, the leader, and every member as this node sees it.</summary>
internal static class ClusterView
{
    public sealed record MemberView(string Node, string Address, string Status);

    public sealed record View(string Self, string? Leader, IReadOnlyList<MemberView> Members);

    /// <summary>Null on a single node.</summary>
    public static View? Of(ActorSystem system)
    {
        if (ActorDispatch.Cluster.ClusterSettings.Create(system) is null) return null;
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members
            .Select(m => new MemberView(ClusterNodes.NameOf(m), $"{m.Address.Host}:{m.Address.Port}", StatusOf(m, unreachable.Contains(m.Address))))
            .ToList();
        var leader = state.Leader is { } address ? state.Members.FirstOrDefault(m => m.Address == address) : null;
        return new View(ClusterNodes.NameOf(cluster.SelfMember), leader is null ? null : ClusterNodes.NameOf(leader), members);
    }

    // A member the failure detector has lost is reported as such until it is downed or comes back.
    private static string StatusOf(Member member, bool unreachable) =>
        unreachable && member.Status == MemberStatus.Up ? "unreachable" : member.Status.ToString().ToLowerInvariant();
}
