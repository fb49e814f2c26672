using ActorDispatch.Model;
using ActorDispatch.Server.Diagnostics;

namespace ActorDispatch.Server.Api;

/// <summary><c>/namespaces/{ns}/events</c>: append (ext), list with FireFly filters, get by id.</summary>
internal static class EventEndpoints
{
    public static void MapEventEndpoints(this RouteGroupBuilder api)
    {
        var events = api.MapGroup("/namespaces/{ns}/events").WithTags("Events");

        events.MapPost("", async (string ns, HttpRequest request, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(request, ct);
            var newEvents = NewEventReader.ReadOneOrMany(body, out var many);
            using var trace = RequestTrace.Adopt(request);
            var (stored, replayed) = await dispatch.AppendAsync(ns, newEvents, IdempotencyKey(request), ct);
            // A retry answers as the first call did, and says so (Stripe's header).
            if (replayed) request.HttpContext.Response.Headers[ReplayedHeader] = "true";
            return many
                ? Results.Json(stored, ActorDispatchJson.Options, statusCode: StatusCodes.Status201Created)
                : Results.Json(stored[0], ActorDispatchJson.Options, statusCode: StatusCodes.Status201Created);
        }).WithSummary("Append one event, or an array appended atomically")
          .WithDescription($"With an {IdempotencyKeyHeader} header (1-255 printable ASCII characters), a retry within the idempotency " +
              $"window (2 minutes by default) appends nothing and answers the events stored the first time, with {ReplayedHeader}: true; " +
              "the same key with other events is 409.");

        events.MapGet("", async (string ns, HttpRequest request, IActorDispatch dispatch, ServerSettings settings, CancellationToken ct) =>
        {
            var list = ListQuery.Parse(request.Query);
            var (from, to, not) = ListQuery.SequenceRange(request.Query, "sequence");
            var types = Matcher(request.Query, "type");
            var topics = Matcher(request.Query, "topic");
            var found = await EventScan.RunAsync(dispatch, ns, from, to, list.Descending, list.Skip, list.Limit,
                e => !not.Contains(e.Sequence) && types(e.Type) && topics(e.Topic), settings.MaxListBytes, request.HttpContext.Response, ct);
            return Results.Json(found, ActorDispatchJson.Options);
        }).WithSummary("List events; filters type, topic, sequence (>=, >, <=, <), limit, skip, sort");

        events.MapGet("/{id}", async (string ns, string id, IActorDispatch dispatch, CancellationToken ct) =>
        {
            if (!Guid.TryParse(id, out var guid)) return ErrorResponses.Error(StatusCodes.Status400BadRequest, $"AD10100: invalid 'id': '{id}' is not a UUID");
            return await dispatch.GetEventAsync(ns, guid, ct) is { } e
                ? Results.Json(e, ActorDispatchJson.Options)
                : ErrorResponses.Error(StatusCodes.Status404NotFound, $"AD10109: no event '{id}' in namespace '{ns}'");
        }).WithSummary("One event by id");
    }

    private const string IdempotencyKeyHeader = "Idempotency-Key";
    private const string ReplayedHeader = "Idempotent-Replayed";

    // The key as sent, or null; the engine checks its characters. Two of them are refused rather
    // than joined, since the joined text would itself be a valid key.
    private static string? IdempotencyKey(HttpRequest request)
    {
        var values = request.Headers[IdempotencyKeyHeader];
        if (values.Count > 1) throw Errors.InvalidField(IdempotencyKeyHeader, "must be sent once");
        return values.Count == 0 ? null : values[0] ?? "";
    }

    // FireFly equality filters: a value, or '!value' for not-equal; several values are alternatives.
    private static Func<string?, bool> Matcher(IQueryCollection query, string name)
    {
        var values = query[name].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        if (values.Count == 0) return _ => true;
        var equal = values.Where(v => !v.StartsWith('!')).ToHashSet(StringComparer.Ordinal);
        var notEqual = values.Where(v => v.StartsWith('!')).Select(v => v[1..]).ToHashSet(StringComparer.Ordinal);
        return value => (equal.Count == 0 || equal.Contains(value ?? "")) && !notEqual.Contains(value ?? "");
    }
}
