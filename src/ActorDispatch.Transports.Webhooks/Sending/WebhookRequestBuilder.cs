using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Options;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>
/// Builds the request for a delivery or a batch from the subscription's options, as docs/protocol.md
/// says: the delivery JSON without <c>withData</c>; with it, the data payload or its
/// <c>input.body</c> field; for a batch, a JSON array of those. A pure function.
/// </summary>
internal static class WebhookRequestBuilder
{
    public static WebhookRequest ForDelivery(WebhookOptions options, EventDelivery delivery)
    {
        var data = delivery.Event.Data;
        var body = BodyOf(options, delivery);
        var headers = options.Headers;
        var query = options.Query;
        var path = (string?)null;
        if (options.WithData && data is { ValueKind: JsonValueKind.Object } d)
        {
            if (options.Input.Headers is { } h && d.TryGetProperty(h, out var hv)) headers = Merge(headers, FieldMap(hv).Where(kv => WebhookOptionsParser.IsToken(kv.Key) && !HasLineBreak(kv.Value)));
            if (options.Input.Query is { } q && d.TryGetProperty(q, out var qv)) query = query.AddRange(FieldMap(qv));
            if (options.Input.Path is { } p && d.TryGetProperty(p, out var pv) && pv.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array))
                path = pv.ValueKind == JsonValueKind.String ? pv.GetString() : pv.GetRawText();
        }
        return new WebhookRequest(options.Method, BuildUri(options.Url, path, query), WithTrace(headers, delivery.TraceParent, delivery.TraceState),
            body is { } b ? Encoding.UTF8.GetBytes(b) : null, delivery.Event.Id.ToString());
    }

    public static WebhookRequest ForBatch(WebhookOptions options, EventDeliveryBatch batch)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var delivery in batch.Events)
            {
                if (BodyOf(options, delivery) is { } body) writer.WriteRawValue(body, skipInputValidation: true);
                else writer.WriteNullValue();
            }
            writer.WriteEndArray();
        }
        var headers = batch.TraceParent is { } traced
            ? WithTrace(options.Headers, traced, null)
            : WithTrace(options.Headers, batch.Events[0].TraceParent, batch.Events[0].TraceState);
        return new WebhookRequest(options.Method, BuildUri(options.Url, null, options.Query), headers, buffer.ToArray(), batch.Id.ToString());
    }

    // The delivery's trace context (W3C Trace Context headers) replaces any the options name.
    private static ImmutableArray<KeyValuePair<string, string>> WithTrace(ImmutableArray<KeyValuePair<string, string>> headers, string traceParent, string? traceState)
    {
        var trace = new List<KeyValuePair<string, string>>(2) { new("traceparent", traceParent) };
        if (traceState is not null) trace.Add(new("tracestate", traceState));
        return Merge(headers, trace);
    }

    /// <summary>The JSON text one event contributes, or null for none (no payload, or no <c>input.body</c> field).</summary>
    private static string? BodyOf(WebhookOptions options, EventDelivery delivery)
    {
        if (!options.WithData) return JsonSerializer.Serialize(delivery, ActorDispatchJson.Options);
        if (delivery.Event.Data is not { } data) return null;
        if (options.Input.Body is not { } field) return data.GetRawText();
        return data.ValueKind == JsonValueKind.Object && data.TryGetProperty(field, out var value) ? value.GetRawText() : null;
    }

    /// <summary>The URL with <paramref name="extraPath"/> appended (each segment escaped) and the query parameters added.</summary>
    internal static Uri BuildUri(Uri url, string? extraPath, ImmutableArray<KeyValuePair<string, string>> query)
    {
        if (extraPath is null && query.IsEmpty) return url;
        var builder = new UriBuilder(url);
        if (extraPath is not null)
        {
            var segments = extraPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.EscapeDataString);
            builder.Path = builder.Path.TrimEnd('/') + "/" + string.Join('/', segments);
        }
        if (!query.IsEmpty)
        {
            var existing = builder.Query.TrimStart('?');
            var added = string.Join('&', query.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
            builder.Query = existing.Length == 0 ? added : existing + "&" + added;
        }
        return builder.Uri;
    }

    // Fields taken from the data override static headers of the same name.
    private static ImmutableArray<KeyValuePair<string, string>> Merge(ImmutableArray<KeyValuePair<string, string>> headers, IEnumerable<KeyValuePair<string, string>> extra)
    {
        var list = headers.ToList();
        foreach (var kv in extra)
        {
            list.RemoveAll(h => string.Equals(h.Key, kv.Key, StringComparison.OrdinalIgnoreCase));
            list.Add(kv);
        }
        return [.. list];
    }

    /// <summary>A data field holding an object, as name/value strings (non-string values as their JSON text).</summary>
    private static IEnumerable<KeyValuePair<string, string>> FieldMap(JsonElement value) =>
        value.ValueKind != JsonValueKind.Object
            ? []
            : value.EnumerateObject()
                .Where(p => p.Value.ValueKind != JsonValueKind.Null)
                .Select(p => new KeyValuePair<string, string>(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))
                .ToList();

    private static bool HasLineBreak(string s) => s.Contains('\r') || s.Contains('\n');
}
