using Akka.Cluster;

namespace ActorDispatch.Cluster;

/// <summary>
/// Node names in a cluster: each node joins with the role <c>node:&lt;name&gt;</c>, so every member's
/// name travels in the membership gossip and no extra protocol is needed to learn it.
/// </summary>
internal static class ClusterNodes
{
    private const string Prefix = "node:";

    public static string Role(string nodeName) => Prefix + nodeName;

    /// <summary>The member's node name, or its address when it carries none (not an ActorDispatch node).</summary>
    public static string NameOf(Member member) =>
        member.Roles.FirstOrDefault(r => r.StartsWith(Prefix, StringComparison.Ordinal)) is { } role
            ? role[Prefix.Length..]
            : $"{member.Address.Host}:{member.Address.Port}";
}
