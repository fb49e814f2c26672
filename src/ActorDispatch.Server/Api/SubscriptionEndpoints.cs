using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;

namespace ActorDispatch.Server.Api;

/// <summary><c>/namespaces/{ns}/subscriptions</c>: FireFly's subscription routes.</summary>
internal static class SubscriptionEndpoints
{
    /// <summary>FireFly's default transport when a subscription names none.</summary>
    public const string DefaultTransport = "websockets";

    public static void MapSubscriptionEndpoints(this RouteGroupBuilder api)
    {
        var subs = api.MapGroup("/namespaces/{ns}/subscriptions").WithTags("Subscriptions");

        subs.MapPost("", async (string ns, HttpRequest request, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var input = ReadInput(ns, await JsonBody.ReadAsync(request, ct));
            var created = await dispatch.CreateSubscriptionAsync(input, ct);
            return Results.Json(created, ActorDispatchJson.Options, statusCode: StatusCodes.Status201Created);
        }).WithSummary("Create a durable subscription (409 if the name is taken)");

        subs.MapPut("", async (string ns, HttpRequest request, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var input = ReadInput(ns, await JsonBody.ReadAsync(request, ct));
            var saved = await dispatch.UpsertSubscriptionAsync(input, ct);
            return Results.Json(saved.Subscription, ActorDispatchJson.Options);
        }).WithSummary("Create or update a durable subscription by name, keeping its offset");

        subs.MapGet("", async (string ns, HttpRequest request, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var list = ListQuery.Parse(request.Query);
            var name = request.Query["name"].ToString();
            var transport = request.Query["transport"].ToString();
            var all = await dispatch.ListSubscriptionsAsync(ns, ct);
            var page = all
                .Where(s => (name.Length == 0 || s.Name == name) && (transport.Length == 0 || s.Transport == transport))
                .Skip(list.Skip).Take(list.Limit);
            return Results.Json(page.ToList(), ActorDispatchJson.Options);
        }).WithSummary("List durable subscriptions; filters name, transport, limit, skip");

        subs.MapGet("/{idOrName}", async (string ns, string idOrName, bool? fetchstatus, IActorDispatch dispatch, CancellationToken ct) =>
        {
            var sub = await dispatch.GetSubscriptionAsync(ns, idOrName, ct) ?? throw NotFound(ns, idOrName);
            if (fetchstatus == true) sub = sub with { Status = await dispatch.GetSubscriptionStatusAsync(ns, sub.Id.ToString(), ct) };
            return Results.Json(sub, ActorDispatchJson.Options);
        }).WithSummary("One subscription; ?fetchstatus=true adds its status");

        subs.MapGet("/{idOrName}/events", async (string ns, string idOrName, HttpRequest request, IActorDispatch dispatch, ServerSettings settings, CancellationToken ct) =>
        {
            var sub = await dispatch.GetSubscriptionAsync(ns, idOrName, ct) ?? throw NotFound(ns, idOrName);
            var list = ListQuery.Parse(request.Query);
            var from = ListQuery.Long(request.Query, "startsequence") ?? 1;
            var to = ListQuery.Long(request.Query, "endsequence") ?? long.MaxValue;
            var filter = EventFilter.Create(sub.Filter);
            var found = await EventScan.RunAsync(dispatch, ns, Math.Max(1, from), to, list.Descending, list.Skip, list.Limit, filter.Matches,
                settings.MaxListBytes, request.HttpContext.Response, ct);
            return Results.Json(found, ActorDispatchJson.Options);
        }).WithSummary("Events matching the subscription's filter; startsequence, endsequence, limit, skip");

        subs.MapDelete("/{idOrName}", async (string ns, string idOrName, IActorDispatch dispatch, CancellationToken ct) =>
            await dispatch.DeleteSubscriptionAsync(ns, idOrName, ct) ? Results.NoContent() : throw NotFound(ns, idOrName))
            .WithSummary("Delete a subscription and its offset");
    }

    private static ActorDispatchException NotFound(string ns, string idOrName) =>
        new(ErrorKind.NotFound, "AD10108", $"no subscription '{idOrName}' in namespace '{ns}'");

    /// <summary>
    /// A subscription body as FireFly's clients send it. Read-only fields they echo back (id,
    /// created, updated) are ignored; a namespace other than the route's, or ephemeral, is refused.
    /// </summary>
    internal static SubscriptionInput ReadInput(string ns, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw Invalid("body", "must be a JSON object");
        string? name = null, transport = null;
        var filter = SubscriptionFilter.Empty;
        var options = SubscriptionOptions.Empty;
        foreach (var p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "name": name = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : throw Invalid("name", "must be a string"); break;
                case "transport": transport = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : throw Invalid("transport", "must be a string"); break;
                case "filter": filter = JsonBody.Convert<SubscriptionFilter>(p.Value, "filter"); break;
                case "options": options = JsonBody.Convert<SubscriptionOptions>(p.Value, "options"); break;
                case "namespace":
                    if (p.Value.ValueKind != JsonValueKind.Null && p.Value.GetString() != ns)
                        throw Invalid("namespace", $"must be '{ns}', the namespace in the path");
                    break;
                case "ephemeral":
                    if (p.Value.ValueKind == JsonValueKind.True) throw Invalid("ephemeral", "ephemeral subscriptions are started on a connection, not created here");
                    break;
                case "id" or "created" or "updated" or "status":
                    break;
                default:
                    throw Invalid(p.Name, "unknown field (known: name, transport, filter, options)");
            }
        }
        if (string.IsNullOrEmpty(name)) throw Invalid("name", "is required");
        return new SubscriptionInput { Namespace = ns, Name = name, Transport = transport ?? DefaultTransport, Filter = filter, Options = options };
    }

    private static ActorDispatchException Invalid(string field, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid '{field}': {problem}");
}
