using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Engine;

/// <summary>
/// Transport options the schema marks write-only never come back from the engine's API, yet the
/// transport gets them, and a definition read and saved again keeps them.
/// </summary>
public abstract class WriteOnlyOptionsSpec(ITestOutputHelper output, StoreKind store) : EngineSpec(output, store)
{
    private static SubscriptionOptions WithSecrets(string token, string header) => new()
    {
        FirstEvent = "oldest",
        Transport = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, JsonElement>
        {
            ["token"] = JsonSerializer.SerializeToElement(token),
            ["headers"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["X-Key"] = header }),
        }),
    };

    private static SubscriptionInput Input(SubscriptionOptions options) =>
        new() { Namespace = Ns, Name = "app1", Transport = "probe", Options = options };

    private static (string? Token, string? Header) Secrets(SubscriptionOptions o) =>
        (o.GetTransportOption("token")?.GetString(), o.GetTransportOption("headers")?.GetProperty("X-Key").GetString());

    [SkippableFact]
    public async Task Write_only_options_are_masked_in_every_answer_used_by_the_transport_and_kept_by_a_round_trip()
    {
        var masked = (WriteOnlyOptions.Marker, WriteOnlyOptions.Marker);
        var created = await Engine.CreateSubscriptionAsync(Input(WithSecrets("t0ken", "h3ader")));
        Assert.Equal(masked, Secrets(created.Options));
        Assert.Equal(masked, Secrets((await Engine.GetSubscriptionAsync(Ns, "app1"))!.Options));
        Assert.Equal(masked, Secrets((await Engine.ListSubscriptionsAsync(Ns)).Single().Options));

        await AppendManyAsync(2);
        var conn = Connect("app1");
        var first = ExpectDelivery(1);
        Assert.Equal(("t0ken", "h3ader"), Secrets(first.Options));

        // Read, then saved back as read: the masked values stand for the stored ones. (An update
        // restarts dispatch, so what was in flight comes again, with the new definition.)
        var saved = await Engine.UpsertSubscriptionAsync(Input(created.Options));
        Assert.Equal(masked, Secrets(saved.Subscription.Options));
        var again = ExpectDelivery(1);
        Assert.Equal(("t0ken", "h3ader"), Secrets(again.Options));
        Transport.Ack(conn, again.Event.Id);
        Assert.Equal(("t0ken", "h3ader"), Secrets(ExpectDelivery(2).Options));

        // A new value replaces the stored one; a masked one beside it keeps its own.
        await Engine.UpsertSubscriptionAsync(Input(WithSecrets("n3w", WriteOnlyOptions.Marker)));
        Assert.Equal(("n3w", "h3ader"), Secrets(ExpectDelivery(2).Options));
    }

    [SkippableFact]
    public async Task A_masked_value_with_nothing_stored_behind_it_is_refused_naming_the_option()
    {
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => Engine.CreateSubscriptionAsync(Input(WithSecrets(WriteOnlyOptions.Marker, "h"))));
        Assert.Contains("'options.token'", ex.Message);
        Assert.Empty(await Engine.ListSubscriptionsAsync(Ns));
    }
}

public sealed class WriteOnlyOptionsSpecOnSqlite(ITestOutputHelper output) : WriteOnlyOptionsSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class WriteOnlyOptionsSpecOnPostgres(ITestOutputHelper output) : WriteOnlyOptionsSpec(output, StoreKind.Postgres);
