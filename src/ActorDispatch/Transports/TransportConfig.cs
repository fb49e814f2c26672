using System.Collections.Immutable;
using ActorDispatch.Model;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorDispatch.Transports;

/// <summary>
/// Where a transport declares its configuration keys and their defaults (FireFly's
/// <c>InitPrefix</c>). Keys are HOCON keys under <c>actordispatch.transports.&lt;name&gt;</c>.
/// </summary>
public sealed class TransportConfigBuilder
{
    private readonly Dictionary<string, string?> _defaults = new(StringComparer.Ordinal);

    /// <summary>
    /// Declares a key with its default (null: no default, the key is optional). A declared key also
    /// admits keys nested under it: declaring <c>tls</c> accepts <c>tls.internal.ca-file</c>.
    /// </summary>
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
            foreach (var (key, value) in Flatten(section.Root.GetObject(), ""))
            {
                // A declared key, or a key under a declared prefix (e.g. 'tls' declares 'tls.internal.ca-file').
                if (!_defaults.ContainsKey(key) && !_defaults.Keys.Any(k => key.StartsWith(k + ".", StringComparison.Ordinal)))
                    throw Errors.InvalidField($"actordispatch.transports.{transportName}.{key}",
                        $"unknown configuration key (known: {string.Join(", ", _defaults.Keys.Order())})");
                values[key] = value;
            }
        }
        return new TransportConfig(transportName, values.ToImmutable());
    }

    // Nested HOCON objects become dotted keys, so transports can take families of settings.
    private static IEnumerable<(string Key, string? Value)> Flatten(HoconObject obj, string prefix)
    {
        foreach (var (name, value) in obj.Items)
        {
            var key = prefix + name;
            if (value.IsObject())
            {
                foreach (var nested in Flatten(value.GetObject(), key + ".")) yield return nested;
            }
            else
            {
                yield return (key, value.IsString() ? value.GetString() : value.ToString());
            }
        }
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
