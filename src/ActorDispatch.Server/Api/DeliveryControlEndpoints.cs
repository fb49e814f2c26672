using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Server.Api;

/// <summary>
/// <c>/namespaces/{ns}/subscriptions/{idOrName}/…</c>: what an operator does to a durable
/// subscription's delivery: its parked events (list, replay, discard), reset, pause and resume.
/// </summary>
internal static class DeliveryControlEndpoints
{
    public static void MapDeliveryControlEndpoints(this RouteGroupBuilder api)
    {
        var sub = api.MapGroup("/namespaces/{ns}/subscriptions/{idOrName}").WithTags("Delivery control");

        sub.MapGet("/parked", async (string ns, string idOrName, HttpRequest request, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var list = ListQuery.Parse(request.Query);
            var parked = await dispatch.GetParkedEventsAsync(ns, idOrName, list.Skip, list.Limit, ct);
            return Results.Json(parked, ActorDispatchJson.Options);
        }).WithSummary("Events parked after maxDeliveries failed attempts, in sequence order; limit, skip");

        sub.MapPost("/parked/replay", async (string ns, string idOrName, HttpRequest request, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var sequences = Sequences(await OptionalBodyAsync(request, ct));
            var replaying = await dispatch.ReplayParkedEventsAsync(ns, idOrName, sequences, ct);
            return Results.Json(new { replaying }, ActorDispatchJson.Options, statusCode: StatusCodes.Status202Accepted);
        }).WithSummary("Deliver parked events again, ahead of the live stream: {} for all, or {\"sequences\":[…]}");

        sub.MapDelete("/parked", async (string ns, string idOrName, IActorDispatch dispatch, CancellationToken ct) =>
            Results.Json(new { discarded = await dispatch.DiscardParkedEventsAsync(ns, idOrName, null, ct) }, ActorDispatchJson.Options))
            .WithSummary("Discard every parked event");

        sub.MapDelete("/parked/{sequence:long}", async (string ns, string idOrName, long sequence, IActorDispatch dispatch, CancellationToken ct) =>
            await dispatch.DiscardParkedEventsAsync(ns, idOrName, [sequence], ct) > 0
                ? Results.NoContent()
                : throw Errors.ParkedEventNotFound(idOrName, sequence))
            .WithSummary("Discard one parked event");

        sub.MapPost("/reset", async (string ns, string idOrName, HttpRequest request, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var firstEvent = FirstEvent(await JsonBody.ReadAsync(request, ct));
            await dispatch.ResetSubscriptionAsync(ns, idOrName, firstEvent, ct);
            return await WithStatusAsync(dispatch, ns, idOrName, ct);
        }).WithSummary("Make firstEvent (oldest, newest, a sequence or an RFC 3339 time) the next delivery, durably");

        sub.MapPost("/pause", async (string ns, string idOrName, IActorDispatch dispatch, CancellationToken ct) =>
        {
            await dispatch.PauseSubscriptionAsync(ns, idOrName, ct);
            return await WithStatusAsync(dispatch, ns, idOrName, ct);
        }).WithSummary("Deliver nothing, keeping the offset and connections; survives restarts");

        sub.MapPost("/resume", async (string ns, string idOrName, IActorDispatch dispatch, CancellationToken ct) =>
        {
            await dispatch.ResumeSubscriptionAsync(ns, idOrName, ct);
            return await WithStatusAsync(dispatch, ns, idOrName, ct);
        }).WithSummary("Deliver again from the committed offset");
    }

    private static async Task<IResult> WithStatusAsync(IActorDispatch dispatch, string ns, string idOrName, CancellationToken ct)
    {
        var sub = await dispatch.GetSubscriptionAsync(ns, idOrName, ct) ?? throw Errors.SubscriptionNotFound(ns, idOrName);
        return Results.Json(sub with { Status = await dispatch.GetSubscriptionStatusAsync(ns, sub.Id.ToString(), ct) }, ActorDispatchJson.Options);
    }

    // An empty body means {}.
    private static async Task<JsonElement?> OptionalBodyAsync(HttpRequest request, CancellationToken ct) =>
        request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0)
            ? null
            : await JsonBody.ReadAsync(request, ct);

    private static IReadOnlyList<long>? Sequences(JsonElement? body)
    {
        if (body is not { } b) return null;
        if (b.ValueKind != JsonValueKind.Object) throw Errors.InvalidField("body", "must be a JSON object: {} or {\"sequences\":[…]}");
        IReadOnlyList<long>? sequences = null;
        foreach (var p in b.EnumerateObject())
        {
            if (p.Name != "sequences") throw Errors.InvalidField(p.Name, "unknown field (known: sequences)");
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            if (p.Value.ValueKind != JsonValueKind.Array) throw Errors.InvalidField("sequences", "must be a list of sequence numbers");
            sequences = p.Value.EnumerateArray()
                .Select((v, i) => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 1
                    ? n
                    : throw Errors.InvalidField($"sequences[{i}]", "must be a sequence number >= 1"))
                .ToArray();
        }
        return sequences;
    }

    private static string FirstEvent(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw Errors.InvalidField("body", "must be a JSON object with 'firstEvent'");
        string? firstEvent = null;
        foreach (var p in body.EnumerateObject())
        {
            if (p.Name != "firstEvent") throw Errors.InvalidField(p.Name, "unknown field (known: firstEvent)");
            firstEvent = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Number when p.Value.TryGetInt64(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => throw Errors.InvalidField("firstEvent", "must be 'oldest', 'newest', a sequence number or an RFC 3339 time"),
            };
        }
        return string.IsNullOrEmpty(firstEvent) ? throw Errors.InvalidField("firstEvent", "is required") : firstEvent;
    }
}
