using System.Text.Json;
using ActorDispatch.Transports.Webhooks.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>What each request looks like: bodies, method, headers, query, input fields and batches.</summary>
public sealed class DeliveryBodySpec(ITestOutputHelper output)
    : WebhookSpec(output, "actordispatch.transports.webhooks.allowed-proxies = \"http://127.0.0.1\"")
{
    [Fact]
    public async Task Default_options_post_the_data_payload_as_json_and_ack_on_2xx()
    {
        var sub = await SubscribeAsync("""{"url":"{url}"}""");
        Assert.True(sub.Options.WithData);
        var events = await AppendAsync(2);

        var requests = await Receiver.WaitForAsync(2);
        Assert.All(requests, r => Assert.Equal("POST", r.Method));
        Assert.All(requests, r => Assert.Equal("/hook", r.Path));
        Assert.All(requests, r => Assert.StartsWith("application/json", r.Header("content-type"), StringComparison.Ordinal));
        Assert.Equal([1L, 2L], requests.Select(r => r.Json.GetProperty("n").GetInt64()));
        Assert.All(requests, r => Assert.Null(r.Header("webhook-signature")));
        await AwaitOffsetAsync(events[^1].Sequence);
    }

    [Fact]
    public async Task WithData_false_posts_the_delivery_with_its_subscription()
    {
        var sub = await SubscribeAsync("""{"url":"{url}"}""", withData: false);
        var events = await AppendAsync(1);

        var body = (await Receiver.WaitForAsync(1))[0].Json;
        Assert.Equal(events[0].Id, body.GetProperty("id").GetGuid());
        Assert.Equal(1, body.GetProperty("sequence").GetInt64());
        Assert.Equal("order_created", body.GetProperty("type").GetString());
        Assert.Equal("orders", body.GetProperty("topic").GetString());
        Assert.Equal(sub.Id, body.GetProperty("subscription").GetProperty("id").GetGuid());
        Assert.Equal("hook", body.GetProperty("subscription").GetProperty("name").GetString());
        Assert.False(body.TryGetProperty("data", out _));
        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Method_headers_and_query_are_sent_as_configured()
    {
        await SubscribeAsync("""{"url":"{url}?fixed=1","method":"PUT","headers":{"X-Api-Key":"k1","X-Env":"test"},"query":{"tenant":"a b"}}""");
        await AppendAsync(1);

        var r = (await Receiver.WaitForAsync(1))[0];
        Assert.Equal("PUT", r.Method);
        Assert.Equal("k1", r.Header("x-api-key"));
        Assert.Equal("test", r.Header("x-env"));
        Assert.Equal("?fixed=1&tenant=a%20b", r.Query);
        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Input_fields_of_the_data_supply_body_headers_query_and_path()
    {
        await SubscribeAsync("""{"url":"{url}","input":{"body":"payload","headers":"meta","query":"params","path":"route"}}""");
        await Engine.AppendAsync(Ns, NewEvent(1, data: new
        {
            payload = new { order = 42 },
            meta = new { X_Trace = "t-1" },
            @params = new { page = "2" },
            route = "orders/42",
        }));

        var r = (await Receiver.WaitForAsync(1))[0];
        Assert.Equal("/hook/orders/42", r.Path);
        Assert.Equal("?page=2", r.Query);
        Assert.Equal("t-1", r.Header("x_trace"));
        Assert.Equal(42, r.Json.GetProperty("order").GetInt32());
        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Batch_posts_a_json_array_acked_as_one()
    {
        await AppendAsync(5);
        await SubscribeAsync("""{"url":"{url}"}""", batch: true, batchSize: 5);

        var r = (await Receiver.WaitForAsync(1))[0];
        Assert.Equal(JsonValueKind.Array, r.Json.ValueKind);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], r.Json.EnumerateArray().Select(e => e.GetProperty("n").GetInt64()));
        await AwaitOffsetAsync(5);
        Assert.Single(Receiver.Requests);
    }

    [Fact]
    public async Task Batch_without_data_posts_an_array_of_deliveries()
    {
        await AppendAsync(3);
        await SubscribeAsync("""{"url":"{url}","input":{"body":"n"}}""", batch: true, batchSize: 3, withData: true);
        await SubscribeAsync("""{"url":"{url}"}""", batch: true, batchSize: 3, withData: false, name: "hook2");

        var requests = await Receiver.WaitForAsync(2);
        var arrays = requests.Select(r => r.Json).ToList();
        Assert.Contains(arrays, a => a.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetInt64() : -1).SequenceEqual([1L, 2L, 3L]));
        Assert.Contains(arrays, a => a.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("subscription", out _)));
        await AwaitOffsetAsync(3);
        await AwaitOffsetAsync(3, "hook2");
    }

    [Fact]
    public async Task Proxy_url_sends_requests_through_the_proxy()
    {
        // The receiver plays the proxy: it gets the absolute-form request for the real target.
        await SubscribeAsync("""{"url":"http://target.invalid/through-proxy","httpOptions":{"proxyURL":"PROXY"}}""".Replace("PROXY", Receiver.Url("/"), StringComparison.Ordinal));
        await AppendAsync(1);

        var r = (await Receiver.WaitForAsync(1))[0];
        Assert.Equal("/through-proxy", r.Path);
        Assert.Equal("target.invalid", r.Header("host"));
        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Subscriptions_share_a_connection_pool_per_distinct_http_setting()
    {
        await SubscribeAsync("""{"url":"{url}","httpOptions":{"requestTimeout":"5s"}}""", name: "a");
        await SubscribeAsync("""{"url":"{url}","httpOptions":{"requestTimeout":"9s"}}""", name: "b");
        await SubscribeAsync("""{"url":"{url}","httpOptions":{"maxIdleConns":3}}""", name: "c");
        await AppendAsync(1);

        await Receiver.WaitForAsync(3);
        // a and b differ only in the per-request timeout: one pool; c needs its own.
        Assert.Equal(2, Transport.PooledClients);
    }

    [Fact]
    public async Task Status_404_rejects_without_retrying()
    {
        Receiver.Handler = (_, ctx) =>
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        };
        await SubscribeAsync("""{"url":"{url}","retry":{"count":5,"initialDelay":"1ms","maxDelay":"1ms"}}""");
        await AppendAsync(1);

        // Every request after the first is the engine's replay after a reject, none an HTTP retry.
        await Receiver.WaitForAsync(4);
        var requests = Receiver.Requests.Count;
        var status = await Engine.GetSubscriptionStatusAsync(Ns, "hook");
        Assert.True(requests <= status.Redelivered + 1, $"{requests} requests for {status.Redelivered} replays");
        Assert.Equal(0, status.CurrentOffset);
    }
}
