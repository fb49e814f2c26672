using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ActorDispatch.Server.Auth;

/// <summary>
/// Remembers recent successful bcrypt verifications, so that a client sending basic auth on every
/// request costs one bcrypt every few minutes rather than one per request. The key is the user and
/// an HMAC-SHA-256 of the presented password under a per-process random key: another password is
/// another key, so only the exact password that passed can hit, and the cache holds nothing a
/// memory dump could turn back into a password cheaply. Failures are never cached.
/// </summary>
internal sealed class VerifiedPasswordCache(TimeProvider clock, int capacity = 1024, TimeSpan? ttl = null)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly TimeSpan _ttl = ttl ?? TimeSpan.FromMinutes(5);

    public int Count => _expiries.Count;

    public bool Contains(string user, string password)
    {
        var key = Key(user, password);
        if (!_expiries.TryGetValue(key, out var expiry)) return false;
        if (expiry > clock.GetUtcNow()) return true;
        _expiries.TryRemove(key, out _);
        return false;
    }

    public void Add(string user, string password)
    {
        if (_expiries.Count >= capacity) MakeRoom();
        _expiries[Key(user, password)] = clock.GetUtcNow() + _ttl;
    }

    // Rare (only with more distinct users than capacity): drop the expired entries, else the ones expiring first.
    private void MakeRoom()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, expiry) in _expiries)
            if (expiry <= now) _expiries.TryRemove(key, out _);
        foreach (var (key, _) in _expiries.OrderBy(e => e.Value).Take(Math.Max(0, _expiries.Count - capacity + 1)))
            _expiries.TryRemove(key, out _);
    }

    private string Key(string user, string password)
    {
        var mac = HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(password));
        return $"{user}\n{Convert.ToHexString(mac)}";
    }
}
