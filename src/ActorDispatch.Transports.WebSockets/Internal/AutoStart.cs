using System.Globalization;
using ActorDispatch.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// FireFly's query-string auto-start: <c>?name=app1&amp;namespace=default</c> attaches to a durable
/// subscription, <c>?ephemeral&amp;namespace=…&amp;filter.events=…</c> starts an ephemeral one, as if the
/// client had sent the matching <c>start</c> first. Flags count as true when present without a value
/// or with any value but <c>false</c> (FireFly's rule). Filters and (ext) <c>readahead</c>,
/// <c>firstevent</c>, <c>withdata</c> apply to ephemeral subscriptions; a durable one has its own.
/// </summary>
internal static class AutoStart
{
    /// <summary>The start the query asks for, or null when it names no subscription.</summary>
    public static StartMessage? FromQuery(IQueryCollection query)
    {
        var hasEphemeral = query.TryGetValue("ephemeral", out var ephemeral);
        if (!hasEphemeral && !query.ContainsKey("name")) return null;

        var isEphemeral = hasEphemeral && Flag(ephemeral);
        var start = new StartMessage
        {
            Namespace = Value(query, "namespace"),
            Name = Value(query, "name"),
            Ephemeral = isEphemeral,
            // As in FireFly, an auto-start always sets autoack: absent means false.
            AutoAck = query.TryGetValue("autoack", out var autoAck) && Flag(autoAck),
            ChangeEvents = Value(query, "changeevents"),
        };
        return isEphemeral ? start with { Filter = Filter(query), Options = Options(query) } : start;
    }

    private static SubscriptionFilter Filter(IQueryCollection query)
    {
        var filter = SubscriptionFilter.Empty;
        foreach (var (key, values) in query)
        {
            if (!key.StartsWith("filter.", StringComparison.OrdinalIgnoreCase)) continue;
            var pattern = values.Count == 0 ? "" : values[0] ?? "";
            filter = key.ToLowerInvariant() switch
            {
                "filter.events" => filter with { Events = pattern },
                "filter.topic" or "filter.topics" or "filter.message.topics" => filter with { Topic = pattern },
                "filter.tag" or "filter.message.tag" => filter with { Tag = pattern },
                "filter.author" or "filter.message.author" => filter with { Author = pattern },
                "filter.group" or "filter.message.group" => filter with { Group = pattern },
                "filter.transaction.type" => filter with { TransactionType = pattern },
                _ => throw ProtocolErrors.InvalidField(key,
                    "unknown filter (known: filter.events, filter.topic, filter.tag, filter.author, filter.group, filter.message.*, filter.transaction.type)"),
            };
        }
        return filter;
    }

    private static SubscriptionOptions Options(IQueryCollection query)
    {
        var options = SubscriptionOptions.Empty;
        if (Value(query, "readahead") is { } readAhead)
        {
            if (!int.TryParse(readAhead, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw ProtocolErrors.InvalidField("readahead", $"'{readAhead}' is not a non-negative integer");
            options = options with { ReadAhead = n };
        }
        if (Value(query, "firstevent") is { } firstEvent) options = options with { FirstEvent = firstEvent };
        if (query.TryGetValue("withdata", out var withData)) options = options with { WithData = Flag(withData) };
        return options;
    }

    private static bool Flag(StringValues values) =>
        !string.Equals(values.Count == 0 ? null : values[0], "false", StringComparison.OrdinalIgnoreCase);

    private static string? Value(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var v) && !StringValues.IsNullOrEmpty(v) && v[0] is { Length: > 0 } s ? s : null;
}
