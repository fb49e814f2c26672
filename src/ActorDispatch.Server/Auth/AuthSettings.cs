using System.Collections.Frozen;

namespace ActorDispatch.Server.Auth;

/// <summary>
/// Authentication and authorization settings, read once at start from <c>ActorDispatch:Auth</c>:
/// <c>PasswordFile</c> (htpasswd with bcrypt), <c>ApiKeys:&lt;name&gt;:Sha256</c>, per user and key
/// <c>Role</c> (reader, writer, admin; default admin) and <c>Namespaces</c> (comma-separated, or
/// <c>*</c>, the default), and <c>AllowAnonymous</c> (serve a non-loopback address without auth).
/// </summary>
/// <param name="PasswordFile">The password file's path, or null.</param>
/// <param name="Users">The password file's users by name.</param>
/// <param name="ApiKeys">The configured API keys.</param>
/// <param name="AllowAnonymous">Whether a non-loopback address may be served without auth.</param>
internal sealed record AuthSettings(string? PasswordFile, IReadOnlyDictionary<string, PasswordUser> Users, IReadOnlyList<ApiKeyEntry> ApiKeys, bool AllowAnonymous)
{
    public const string Section = $"{ServerSettings.Section}:Auth";

    /// <summary>Whether requests need credentials: a password file (even an empty one) or at least one API key is configured.</summary>
    public bool Enabled => PasswordFile is not null || ApiKeys.Count > 0;

    public static AuthSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var passwordFile = section["PasswordFile"] is { Length: > 0 } path ? path : null;
        var hashes = passwordFile is null ? FrozenDictionary<string, string>.Empty : Auth.PasswordFile.Read(passwordFile);

        var users = new Dictionary<string, PasswordUser>(StringComparer.Ordinal);
        foreach (var (name, hash) in hashes)
            users[name] = new PasswordUser(hash, ReadPrincipal(section.GetSection($"Users:{name}"), name));
        foreach (var configured in section.GetSection("Users").GetChildren())
            if (!hashes.Keys.Any(user => user.Equals(configured.Key, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidOperationException($"{configured.Path}: user '{configured.Key}' is not in {Auth.PasswordFile.Setting}");

        var keys = new List<ApiKeyEntry>();
        foreach (var key in section.GetSection("ApiKeys").GetChildren())
            keys.Add(new ApiKeyEntry(ReadSha256(key), ReadPrincipal(key, key.Key)));

        var allow = section["AllowAnonymous"];
        return new AuthSettings(passwordFile, users.ToFrozenDictionary(StringComparer.Ordinal), keys, allow switch
        {
            null or "" => false,
            _ when bool.TryParse(allow, out var value) => value,
            _ => throw new InvalidOperationException($"{Section}:AllowAnonymous must be true or false, not '{allow}'"),
        });
    }

    private static AuthPrincipal ReadPrincipal(IConfigurationSection section, string name) =>
        new(name, ReadRole(section), ReadNamespaces(section));

    private static Role ReadRole(IConfigurationSection section) => section["Role"] switch
    {
        null or "" => Role.Admin,
        var role when role.Equals("reader", StringComparison.OrdinalIgnoreCase) => Role.Reader,
        var role when role.Equals("writer", StringComparison.OrdinalIgnoreCase) => Role.Writer,
        var role when role.Equals("admin", StringComparison.OrdinalIgnoreCase) => Role.Admin,
        var role => throw new InvalidOperationException($"{section.Path}:Role must be reader, writer or admin, not '{role}'"),
    };

    private static IReadOnlySet<string>? ReadNamespaces(IConfigurationSection section)
    {
        var list = (section["Namespaces"] ?? "*").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0)
            throw new InvalidOperationException($"{section.Path}:Namespaces must list namespaces (comma-separated) or be '*'");
        return list.Contains("*") ? null : list.ToFrozenSet(StringComparer.Ordinal);
    }

    private static byte[] ReadSha256(IConfigurationSection key)
    {
        var hex = key["Sha256"];
        if (hex is not { Length: 64 })
            throw new InvalidOperationException($"{key.Path}:Sha256 must be the key's SHA-256 in hex (64 characters; printf %s \"$KEY\" | sha256sum)");
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{key.Path}:Sha256 is not hexadecimal; it must be the key's SHA-256 (printf %s \"$KEY\" | sha256sum)");
        }
    }
}
