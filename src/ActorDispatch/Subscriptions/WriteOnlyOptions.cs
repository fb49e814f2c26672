using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// The transport options its JSON Schema marks <c>"writeOnly": true</c> (a webhook's <c>secret</c>,
/// the values of its <c>headers</c>): they are stored and used, but what the engine hands back shows
/// <see cref="Marker"/> in their place, and a definition sent back with the marker keeps the stored
/// value, so that reading a subscription and saving it again changes nothing. Pure.
/// </summary>
internal sealed class WriteOnlyOptions
{
    /// <summary>What a write-only value reads as.</summary>
    public const string Marker = "********";

    private static readonly JsonElement MarkerElement = JsonSerializer.SerializeToElement(Marker);

    private readonly IReadOnlySet<string> _names;

    private WriteOnlyOptions(IReadOnlySet<string> names) => _names = names;

    public static readonly WriteOnlyOptions None = new(new HashSet<string>());

    /// <summary>The top-level properties of an options schema marked write-only.</summary>
    public static WriteOnlyOptions From(JsonElement schema)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in properties.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("writeOnly", out var w) && w.ValueKind == JsonValueKind.True)
                    names.Add(p.Name);
            }
        }
        return new WriteOnlyOptions(names);
    }

    /// <summary>The options with each write-only value (each value of a write-only object) replaced by the marker.</summary>
    public SubscriptionOptions Redact(SubscriptionOptions options)
    {
        var transport = options.Transport;
        foreach (var name in _names)
        {
            if (!transport.TryGetValue(name, out var value)) continue;
            transport = transport.SetItem(name, value.ValueKind == JsonValueKind.Object
                ? JsonSerializer.SerializeToElement(value.EnumerateObject().ToDictionary(p => p.Name, _ => Marker))
                : MarkerElement);
        }
        return options with { Transport = transport };
    }

    /// <summary>
    /// The options to save: a marker sent back (for a whole value, or a property of a write-only
    /// object) stands for the <paramref name="stored"/> value; without one it is refused, naming it.
    /// </summary>
    public SubscriptionOptions KeepStored(SubscriptionOptions incoming, SubscriptionOptions? stored)
    {
        var transport = incoming.Transport;
        foreach (var name in _names)
        {
            if (!transport.TryGetValue(name, out var value)) continue;
            var before = stored?.GetTransportOption(name);
            if (IsMarker(value))
            {
                transport = transport.SetItem(name, before ?? throw Unknown(name));
            }
            else if (value.ValueKind == JsonValueKind.Object && value.EnumerateObject().Any(p => IsMarker(p.Value)))
            {
                var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var p in value.EnumerateObject())
                {
                    merged[p.Name] = !IsMarker(p.Value) ? p.Value
                        : before is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty(p.Name, out var kept) ? kept
                        : throw Unknown($"{name}.{p.Name}");
                }
                transport = transport.SetItem(name, JsonSerializer.SerializeToElement(merged));
            }
        }
        return ReferenceEquals(transport, incoming.Transport) ? incoming : incoming with { Transport = transport };
    }

    private static bool IsMarker(JsonElement value) => value.ValueKind == JsonValueKind.String && value.ValueEquals(Marker);

    private static ActorDispatchException Unknown(string option) =>
        Errors.InvalidOption(option, $"is '{Marker}', which stands for a stored value, and none is stored; send the value itself");
}
