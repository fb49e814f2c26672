using System.Reflection;
using System.Security.Cryptography;

namespace ActorDispatch.Server.Dashboard;

/// <summary>
/// The dashboard's static files, embedded in the server assembly (so <c>dotnet run</c> and a
/// published server find them alike): read once, each with its content type and an ETag.
/// </summary>
internal sealed class DashboardAssets
{
    /// <summary>The prefix the project file gives each embedded file's logical name.</summary>
    public const string ResourcePrefix = "ActorDispatch.Server.Dashboard.wwwroot.";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private readonly Dictionary<string, Asset> _byName;

    private DashboardAssets(Dictionary<string, Asset> byName) => _byName = byName;

    public sealed record Asset(string Name, byte[] Content, string ContentType, string ETag);

    public IEnumerable<string> Names => _byName.Keys;

    /// <summary>The asset of that file name (e.g. <c>dashboard.js</c>), or null.</summary>
    public Asset? Find(string name) => _byName.GetValueOrDefault(name);

    public static DashboardAssets Load(Assembly assembly)
    {
        var byName = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            byName[name] = new Asset(name, content, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }
        return byName.ContainsKey(DashboardEndpoints.IndexFile)
            ? new DashboardAssets(byName)
            : throw new InvalidOperationException($"the server assembly carries no dashboard ({ResourcePrefix}{DashboardEndpoints.IndexFile})");
    }
}
