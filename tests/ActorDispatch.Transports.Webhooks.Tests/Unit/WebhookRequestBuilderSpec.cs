using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Options;
using ActorDispatch.Transports.Webhooks.Sending;

namespace ActorDispatch.Transports.Webhooks.Tests.Unit;

public sealed class WebhookRequestBuilderSpec
{
    private static readonly WebhooksSettings Settings = WebhooksSettings.From(WebhooksSettings.DefaultConfig("webhooks"));
    private static readonly SubscriptionRef Sub = new() { Id = Guid.Parse("11111111-2222-3333-4444-555555555555"), Namespace = "default", Name = "hook" };

    private static WebhookOptions Options(string json) => WebhookOptionsParser.Parse(WebhookOptionsParserSpec.Options(json), Settings);

    private static EventDelivery Delivery(object? data, long sequence = 7) => new(new Event
    {
        Id = Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        Sequence = sequence,
        Type = "order_created",
        Namespace = "default",
        Topic = "orders",
        Created = new DateTimeOffset(2026, 11, 27, 21, 40, 0, TimeSpan.Zero),
        Data = data is null ? null : JsonSerializer.SerializeToElement(data),
    }, Sub);

    private static JsonElement Json(WebhookRequest r) => JsonDocument.Parse(r.Body!).RootElement;

    [Fact]
    public void WithData_sends_the_payload_and_the_event_id_as_message_id()
    {
        var r = WebhookRequestBuilder.ForDelivery(Options("""{"url":"http://h/hook"}"""), Delivery(new { n = 1, s = "x" }));
        Assert.Equal("POST", r.Method);
        Assert.Equal(new Uri("http://h/hook"), r.Uri);
        Assert.Equal("""{"n":1,"s":"x"}""", Encoding.UTF8.GetString(r.Body!));
        Assert.Equal("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", r.MessageId);
    }

    [Fact]
    public void Without_data_the_body_is_the_delivery_with_its_subscription()
    {
        var r = WebhookRequestBuilder.ForDelivery(Options("""{"url":"http://h/hook","withData":false}"""), Delivery(null));
        var body = Json(r);
        Assert.Equal("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", body.GetProperty("id").GetString());
        Assert.Equal(7, body.GetProperty("sequence").GetInt64());
        Assert.Equal("order_created", body.GetProperty("type").GetString());
        Assert.Equal("2026-11-27T21:40:00.000000Z", body.GetProperty("created").GetString());
        Assert.Equal("hook", body.GetProperty("subscription").GetProperty("name").GetString());
        Assert.False(body.TryGetProperty("data", out _));
    }

    [Fact]
    public void A_payload_less_event_sends_no_body()
    {
        var r = WebhookRequestBuilder.ForDelivery(Options("""{"url":"http://h/hook"}"""), Delivery(null));
        Assert.Null(r.Body);
        using var message = r.ToHttpRequest(default, sign: false, 0);
        Assert.Null(message.Content);
    }

    [Fact]
    public void Input_fields_supply_body_headers_query_and_escaped_path()
    {
        var options = Options("""
            {"url":"http://h/base/?fixed=1","headers":{"X-Static":"s","X-Over":"static"},"query":{"k":"v"},
             "input":{"body":"payload","headers":"hdrs","query":"qs","path":"where"}}
            """);
        var r = WebhookRequestBuilder.ForDelivery(options, Delivery(new
        {
            payload = new { a = 1 },
            hdrs = new Dictionary<string, object> { ["X-Over"] = "data", ["X-Num"] = 5, ["bad name"] = "dropped" },
            qs = new { page = "2 & 3" },
            where = "orders/ünï code",
        }));

        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(r.Body!));
        Assert.Equal("http://h/base/orders/%C3%BCn%C3%AF%20code?fixed=1&k=v&page=2%20%26%203", r.Uri.AbsoluteUri);
        Assert.Equal([new("X-Static", "s"), new("X-Over", "data"), new("X-Num", "5")], r.Headers.Where(h => h.Key != "traceparent").ToArray());
    }

    [Fact]
    public void Every_request_carries_the_deliverys_trace_context_over_a_header_of_that_name()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var options = Options("""{"url":"http://h/hook","headers":{"traceparent":"00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01","X-Keep":"k"}}""");
        var plain = Delivery(new { n = 1 });
        var traced = plain with { Event = plain.Event with { TraceParent = traceParent, TraceState = "congo=t61rcWkgMzE" } };

        var r = WebhookRequestBuilder.ForDelivery(options, traced);
        Assert.Equal([new("X-Keep", "k"), new("traceparent", traceParent), new("tracestate", "congo=t61rcWkgMzE")], r.Headers.ToArray());

        // Without a trace of its own the event still sends a valid one, the same every time.
        var untraced = WebhookRequestBuilder.ForDelivery(Options("""{"url":"http://h/hook"}"""), Delivery(new { n = 1 }));
        var header = Assert.Single(untraced.Headers, h => h.Key == "traceparent").Value;
        Assert.True(System.Diagnostics.ActivityContext.TryParse(header, null, out _), header);
        Assert.Equal(header, Assert.Single(WebhookRequestBuilder.ForDelivery(Options("""{"url":"http://h/hook"}"""), Delivery(new { n = 1 })).Headers).Value);
    }

    [Fact]
    public void A_missing_input_body_field_sends_no_body()
    {
        var r = WebhookRequestBuilder.ForDelivery(Options("""{"url":"http://h/","input":{"body":"payload"}}"""), Delivery(new { other = 1 }));
        Assert.Null(r.Body);
    }

    [Fact]
    public void Batch_sends_a_json_array_of_bodies_under_the_batch_id()
    {
        var batchId = Guid.NewGuid();
        var batch = new EventDeliveryBatch(batchId, Sub, [Delivery(new { n = 1 }, 1), Delivery(null, 2), Delivery(new { n = 3 }, 3)]);

        var r = WebhookRequestBuilder.ForBatch(Options("""{"url":"http://h/","batch":true}"""), batch);
        Assert.Equal("""[{"n":1},null,{"n":3}]""", Encoding.UTF8.GetString(r.Body!));
        Assert.Equal(batchId.ToString(), r.MessageId);

        var deliveries = Json(WebhookRequestBuilder.ForBatch(Options("""{"url":"http://h/","batch":true,"withData":false}"""), batch));
        Assert.Equal([1L, 2L, 3L], deliveries.EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
    }

    [Fact]
    public void Http_request_carries_headers_content_type_and_signature()
    {
        var options = Options("""{"url":"http://h/","method":"PATCH","headers":{"Content-Type":"application/vnd.test+json","X-A":"1"},"secret":"a key of at least 24 bytes"}""");
        var r = WebhookRequestBuilder.ForDelivery(options, Delivery(new { n = 1 }));
        using var message = r.ToHttpRequest(options.SigningKey!.Value.AsSpan(), sign: true, 1_700_000_000);

        Assert.Equal(HttpMethod.Patch, message.Method);
        Assert.Equal("application/vnd.test+json", message.Content!.Headers.ContentType!.ToString());
        Assert.Equal("1", message.Headers.GetValues("X-A").Single());
        Assert.Equal(r.MessageId, message.Headers.GetValues("webhook-id").Single());
        Assert.Equal("1700000000", message.Headers.GetValues("webhook-timestamp").Single());
        Assert.Equal(WebhookSignature.Sign("a key of at least 24 bytes"u8, r.MessageId, 1_700_000_000, r.Body), message.Headers.GetValues("webhook-signature").Single());
    }
}
