namespace ActorDispatch.Server.Auth;

/// <summary>
/// Reads an htpasswd-style file of <c>user:bcrypt-hash</c> lines, as <c>htpasswd -B</c> writes them.
/// Blank lines and <c>#</c> comments are skipped. Errors name the setting and the line number but
/// never echo a line, which holds a hash.
/// </summary>
internal static class PasswordFile
{
    public const string Setting = $"{AuthSettings.Section}:PasswordFile";

    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidOperationException($"{Setting}: cannot read '{path}': {ex.Message}", ex);
        }
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            var user = colon > 0 ? line[..colon] : "";
            var hash = colon > 0 ? line[(colon + 1)..] : "";
            if (user.Length == 0 || !IsBcrypt(hash))
                throw new InvalidOperationException(
                    $"{Setting}: line {i + 1} of '{path}' is not 'user:bcrypt-hash' (a $2y$, $2a$ or $2b$ hash, as 'htpasswd -B' writes)");
            if (!users.TryAdd(user, hash))
                throw new InvalidOperationException($"{Setting}: line {i + 1} of '{path}' repeats user '{user}'");
        }
        return users;
    }

    // $2y$10$ + 22 characters of salt + 31 of hash: 60 in all.
    private static bool IsBcrypt(string hash) =>
        hash.Length == 60 && (hash.StartsWith("$2y$", StringComparison.Ordinal) || hash.StartsWith("$2a$", StringComparison.Ordinal) ||
                              hash.StartsWith("$2b$", StringComparison.Ordinal)) &&
        char.IsAsciiDigit(hash[4]) && char.IsAsciiDigit(hash[5]) && hash[6] == '$';
}
