using System.Collections.Immutable;
using ActorDispatch.Model;
using Akka.Configuration;

namespace ActorDispatch.Transports;

/// <summary>
/// Where a transport declares its configuration keys and their defaults (FireFly's
/// <c>InitPrefix</c>). Keys are HOCON keys under <c>actordispatch.transports.&lt;name&gt;</c>.
/// </summary>
public sealed class TransportConfigBuilder
{
    private readonly Dictionary<string, string?> _defaults = new(StringComparer.Ordinal);

    /// <summary>Declares a key with its default (null: no default, the key is optional).</summary>
    public TransportConfigBuilder AddKnownKey(string key, string? defaultValue = null)
    {
        _defaults[key] = defaultValue;
        return this;
    }

    internal IReadOnlyDictionary<string, string?> Defaults => _defaults;

    /// <summary>
    /// Resolves the declared keys against a HOCON section; an undeclared key in the section is an
    /// error naming it, so typos do not pass silently.
    /// </summary>
    internal TransportConfig Build(string transportName, Config? section)
    {
        var values = ImmutableDictionary.CreateBuilder<string, string?>(StringComparer.Ordinal);
        foreach (var (key, def) in _defaults) values[key] = def;
        if (section is not null && !section.IsEmpty)
        {
            foreach (var (key, _) in section.AsEnumerable())
            {
                var top = key;
                if (!_defaults.ContainsKey(top) && !_defaults.Keys.Any(k => top.StartsWith(k + ".", StringComparison.Ordinal)))
                    throw Errors.InvalidField($"actordispatch.transports.{transportName}.{key}",
                        $"unknown configuration key (known: {string.Join(", ", _defaults.Keys.Order())})");
                values[top] = section.GetString(key);
            }
        }
        return new TransportConfig(transportName, values.ToImmutable());
    }
}

/// <summary>A transport's resolved configuration: every declared key, with its default or configured value.</summary>
public sealed record TransportConfig(string TransportName, ImmutableDictionary<string, string?> Values)
{
    public string? GetString(string key) => Values.TryGetValue(key, out var v) ? v : null;

    public int GetInt(string key, int fallback = 0) =>
        GetString(key) is { } s ? int.TryParse(s, out var n) ? n : throw Errors.InvalidField(Path(key), $"'{s}' is not an integer") : fallback;

    public bool GetBool(string key, bool fallback = false) => GetString(key) switch
    {
        null => fallback,
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        var s => throw Errors.InvalidField(Path(key), $"'{s}' is not a boolean"),
    };

    public TimeSpan GetDuration(string key, TimeSpan fallback = default) =>
        GetString(key) is { } s ? Duration.TryParse(s, out var d) ? d : throw Errors.InvalidField(Path(key), $"'{s}' is not a duration") : fallback;

    private string Path(string key) => $"actordispatch.transports.{TransportName}.{key}";
}
