using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace ActorDispatch.Server.Auth;

/// <summary>
/// Finds who presented a request: <c>Authorization: Basic</c> against the password file,
/// <c>Authorization: Bearer &lt;api key&gt;</c> against the key hashes, and for the WebSocket path
/// also <c>?access_token=&lt;api key&gt;</c> (a browser cannot set headers on a WebSocket).
/// Null when nothing valid was presented.
/// </summary>
internal sealed class Authenticator(AuthSettings settings, VerifiedPasswordCache cache)
{
    // Verified for an unknown user, so that a wrong user name takes as long as a wrong password.
    private static readonly string DummyHash = BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString(), 10);

    public AuthPrincipal? Authenticate(HttpRequest request, bool allowAccessToken)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header) && header.Parameter is { Length: > 0 } parameter)
        {
            if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)) return Basic(parameter);
            if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return ApiKey(parameter);
            return null;
        }
        return allowAccessToken && request.Query["access_token"] is { Count: 1 } token && token.ToString() is { Length: > 0 } key ? ApiKey(key) : null;
    }

    private AuthPrincipal? Basic(string parameter)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0) return null;
        var (name, password) = (decoded[..colon], decoded[(colon + 1)..]);
        if (!settings.Users.TryGetValue(name, out var user))
        {
            BCrypt.Net.BCrypt.Verify(password, DummyHash);
            return null;
        }
        if (cache.Contains(name, password)) return user.Principal;
        if (!Verify(password, user.BcryptHash)) return null;
        cache.Add(name, password);
        return user.Principal;
    }

    private static bool Verify(string password, string hash)
    {
        try
        {
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false; // the file was checked at start; a hash bcrypt still cannot read lets no one in
        }
    }

    private AuthPrincipal? ApiKey(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        AuthPrincipal? found = null;
        // Every entry is compared, so the time taken does not tell which (or whether one) matched.
        foreach (var entry in settings.ApiKeys)
            if (CryptographicOperations.FixedTimeEquals(hash, entry.Sha256)) found ??= entry.Principal;
        return found;
    }
}
