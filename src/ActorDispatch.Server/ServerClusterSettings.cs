using System.Globalization;

namespace ActorDispatch.Server;

/// <summary>
/// <c>ActorDispatch:Cluster:*</c>: <c>Enabled</c>, <c>Hostname</c> (default 127.0.0.1), <c>Port</c>
/// (default 4053) and <c>Seeds</c> (comma-separated <c>host:port</c>; the first may start the cluster alone).
/// </summary>
internal sealed record ServerClusterSettings(string Hostname, int Port, IReadOnlyList<string> Seeds)
{
    public static ServerClusterSettings? From(IConfigurationSection section)
    {
        if (!bool.TryParse(section["Enabled"], out var enabled) || !enabled) return null;
        var port = 4053;
        if (section["Port"] is { Length: > 0 } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
            throw new InvalidOperationException($"{ServerSettings.Section}:Cluster:Port must be a port number, not '{p}'");
        var seeds = (section["Seeds"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (seeds.Length == 0) throw new InvalidOperationException($"{ServerSettings.Section}:Cluster:Seeds must name at least one seed (host:port)");
        return new ServerClusterSettings(section["Hostname"] is { Length: > 0 } host ? host : "127.0.0.1", port, seeds);
    }
}
