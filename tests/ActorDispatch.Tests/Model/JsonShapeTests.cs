using ActorDispatch.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorDispatch.Model;

namespace ActorDispatch.Tests.Model;

/// <summary>The model serialises to docs/protocol.md's shapes, so FireFly's clients read it unchanged.</summary>
public sealed class JsonShapeTests
{
    private static readonly Event Sample = new()
    {
        Id = Guid.Parse("5f0c1e2d-0000-8000-8000-000000000042"),
        Sequence = 42,
        Type = "order_created",
        Namespace = "default",
        Topic = "orders",
        Correlator = Guid.Parse("00000000-0000-4000-8000-000000000001"),
        Created = new DateTimeOffset(2026, 11, 27, 21, 40, 0, TimeSpan.Zero).AddTicks(1_234_560),
        Data = JsonSerializer.SerializeToElement(new { any = "json" }),
    };

    private static JsonObject ToJson<T>(T value) => JsonNode.Parse(JsonSerializer.Serialize(value, ActorDispatchJson.Options))!.AsObject();

    [Fact]
    public void An_event_has_camelCase_fields_a_utc_timestamp_with_fractions_and_no_nulls()
    {
        var json = ToJson(Sample);
        Assert.Equal("5f0c1e2d-0000-8000-8000-000000000042", (string?)json["id"]);
        Assert.Equal(42, (long?)json["sequence"]);
        Assert.Equal("2026-11-27T21:40:00.123456Z", (string?)json["created"]);
        Assert.Equal("json", (string?)json["data"]!["any"]);
        Assert.False(json.ContainsKey("tag"));
        Assert.Equal(Sample, JsonSerializer.Deserialize<Event>(json.ToJsonString(), ActorDispatchJson.Options));
    }

    [Fact]
    public void A_delivery_is_the_event_fields_plus_subscription()
    {
        var sub = new SubscriptionRef { Id = Guid.NewGuid(), Namespace = "default", Name = "app1" };
        var json = ToJson(new EventDelivery(Sample, sub));
        Assert.Equal("order_created", (string?)json["type"]);
        Assert.Equal("app1", (string?)json["subscription"]!["name"]);
        var back = JsonSerializer.Deserialize<EventDelivery>(json.ToJsonString(), ActorDispatchJson.Options)!;
        // The trace context a delivery carries reads back as the event's.
        Assert.Equal(Sample with { TraceParent = EventTrace.Derive(Sample) }, back.Event);
        Assert.Equal(sub, back.Subscription);
    }

    [Fact]
    public void A_delivery_carries_the_appends_trace_or_one_derived_from_the_event()
    {
        var sub = new SubscriptionRef { Namespace = "default", Name = "app1" };
        var derived = (string?)ToJson(new EventDelivery(Sample, sub))["traceparent"];
        Assert.True(EventTrace.TryParse(derived, null, out var context), derived);
        Assert.Equal(Sample.Id.ToString("N"), context.TraceId.ToHexString());
        Assert.Equal(derived, (string?)ToJson(new EventDelivery(Sample, sub))["traceparent"]);

        const string upstream = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var traced = Sample with { TraceParent = upstream, TraceState = "congo=t61rcWkgMzE" };
        var json = ToJson(new EventDelivery(traced, sub));
        Assert.Equal(upstream, (string?)json["traceparent"]);
        Assert.Equal("congo=t61rcWkgMzE", (string?)json["tracestate"]);
        Assert.Equal(traced, JsonSerializer.Deserialize<Event>(ToJson(traced).ToJsonString(), ActorDispatchJson.Options));
        Assert.False(ToJson(Sample).ContainsKey("traceparent"));
    }

    [Fact]
    public void Filters_are_read_in_flat_and_FireFly_forms()
    {
        var filter = JsonSerializer.Deserialize<SubscriptionFilter>(
            """{"events":"^order_","topics":"orders","message":{"tag":"eu","author":"svc"},"transaction":{"type":"pin"}}""", ActorDispatchJson.Options)!;
        Assert.Equal(new SubscriptionFilter { Events = "^order_", Topic = "orders", Tag = "eu", Author = "svc", TransactionType = "pin" }, filter);
        Assert.Equal("""{"events":"^order_","topic":"orders","tag":"eu","author":"svc","transaction":{"type":"pin"}}""",
            JsonSerializer.Serialize(filter, ActorDispatchJson.Options));
    }

    [Fact]
    public void An_unknown_filter_field_is_refused_by_name()
    {
        var ex = Assert.Throws<ActorDispatchException>(() => JsonSerializer.Deserialize<SubscriptionFilter>("""{"colour":"red"}""", ActorDispatchJson.Options));
        Assert.Contains("'filter.colour'", ex.Message);
    }

    [Fact]
    public void Options_split_into_core_and_transport_options_and_round_trip()
    {
        const string text = """{"firstEvent":"oldest","readAhead":50,"withData":true,"batch":false,"batchSize":50,"batchTimeout":"500ms","ackTimeout":"30s","url":"http://x","retry":{"count":3}}""";
        var options = JsonSerializer.Deserialize<SubscriptionOptions>(text, ActorDispatchJson.Options)!;
        Assert.Equal(50, options.ReadAhead);
        Assert.Equal("500ms", options.BatchTimeout);
        Assert.Equal("30s", options.AckTimeout);
        Assert.Equal(["retry", "url"], options.Transport.Keys);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(text), JsonNode.Parse(JsonSerializer.Serialize(options, ActorDispatchJson.Options))));
    }

    [Fact]
    public void A_wrongly_typed_core_option_is_refused_by_name()
    {
        var ex = Assert.Throws<ActorDispatchException>(() => JsonSerializer.Deserialize<SubscriptionOptions>("""{"readAhead":"many"}""", ActorDispatchJson.Options));
        Assert.Contains("'options.readAhead'", ex.Message);
    }

    [Fact]
    public void A_change_event_uses_lowercase_types()
    {
        var json = ToJson(new ChangeEvent { Collection = "subscriptions", Type = ChangeEventType.Deleted, Namespace = "default", Id = "x" });
        Assert.Equal("deleted", (string?)json["type"]);
    }
}
