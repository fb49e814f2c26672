using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>Ephemeral subscriptions: query-string filters and options, the start message, change notifications.</summary>
public sealed class EphemeralSubscriptionSpec(WebSocketServer server) : WebSocketSpec(server), IClassFixture<WebSocketServer>
{
    // 1: order_created / orders / eu / svc-a;  2: invoice_paid / invoices / us / svc-b;  3: order_shipped / shipping / apac / svc-c
    private Task AppendMixAsync() => AppendAsync(3, i => i switch
    {
        0 => new NewEvent { Type = "order_created", Topic = "orders", Tag = "eu", Author = "svc-a" },
        1 => new NewEvent { Type = "invoice_paid", Topic = "invoices", Tag = "us", Author = "svc-b" },
        _ => new NewEvent { Type = "order_shipped", Topic = "shipping", Tag = "apac", Author = "svc-c" },
    });

    [Theory]
    [InlineData("filter.events=^order_", new long[] { 1, 3 })]
    [InlineData("filter.topic=^shipping$", new long[] { 3 })]
    [InlineData("filter.tag=^eu$", new long[] { 1 })]
    [InlineData("filter.author=svc-b", new long[] { 2 })]
    [InlineData("filter.message.tag=apac", new long[] { 3 })]
    [InlineData("filter.message.author=svc-a", new long[] { 1 })]
    [InlineData("filter.events=^order_&filter.tag=apac", new long[] { 3 })]
    public async Task Each_query_filter_selects_the_events_it_matches(string filter, long[] expected)
    {
        await AppendMixAsync();
        await using var client = await ConnectAsync($"?ephemeral&namespace={Ns}&firstevent=oldest&{filter}");

        await client.ReceiveAndAckAsync(expected);
        await client.ExpectNoFrameAsync(Quiet);
    }

    [Fact]
    public async Task An_ephemeral_subscription_starts_at_the_newest_event_by_default()
    {
        await AppendAsync(2);
        await using var client = await ConnectAsync($"?ephemeral=true&namespace={Ns}");
        await AwaitStartedAsync(client);
        await AppendAsync(1);

        var delivery = await client.ReceiveEventAsync(3);
        var started = Assert.Single(StatusOf(client)!.Subscriptions);
        Assert.True(started.Ephemeral);
        Assert.Equal(started.Id, delivery.GetProperty("subscription").GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Query_options_readahead_and_withdata_apply_to_the_ephemeral_subscription()
    {
        await AppendAsync(5);
        await using var client = await ConnectAsync($"?ephemeral&namespace={Ns}&firstevent=2&readahead=1&withdata=true");

        var first = await client.ReceiveEventAsync(2);
        Assert.Equal(1, first.GetProperty("data").GetProperty("n").GetInt32()); // the second appended
        await client.ReceiveEventAsync(3);
        await client.ExpectNoFrameAsync(Quiet); // 1 + readahead
    }

    [Fact]
    public async Task Start_message_creates_an_ephemeral_subscription_with_filter_and_options()
    {
        await AppendMixAsync();
        await using var client = await ConnectAsync();
        await client.SendAsync(new
        {
            type = "start",
            @namespace = Ns,
            ephemeral = true,
            filter = new { events = "^invoice_" },
            options = new { firstEvent = "oldest", readAhead = 5 },
        });

        var delivery = await client.ReceiveEventAsync(2);
        Assert.StartsWith("ephemeral-", delivery.GetProperty("subscription").GetProperty("name").GetString());
        await client.AckAsync(delivery);
        await client.ExpectNoFrameAsync(Quiet);
    }

    [Fact]
    public async Task Several_ephemeral_subscriptions_share_a_connection_and_are_acked_by_subscription()
    {
        await AppendMixAsync();
        await using var client = await ConnectAsync();
        await client.SendAsync(new { type = "start", @namespace = Ns, ephemeral = true, filter = new { tag = "^eu$" }, options = new { firstEvent = "oldest" } });
        await client.SendAsync(new { type = "start", @namespace = Ns, ephemeral = true, filter = new { tag = "^us$" }, options = new { firstEvent = "oldest" } });

        var deliveries = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };
        Assert.Equal([1L, 2L], deliveries.Select(d => d.GetProperty("sequence").GetInt64()).Order());
        foreach (var d in deliveries) await client.AckAsync(d);
        await Eventually(() =>
        {
            Assert.Equal(0, StatusOf(client)!.InFlight);
            return Task.CompletedTask;
        }, "both acks");
    }

    [Fact]
    public async Task Change_notifications_reach_an_ephemeral_connection_that_asked_for_them()
    {
        await using var client = await ConnectAsync($"?ephemeral&namespace={Ns}&filter.events=^never$&changeevents=.*");
        await AwaitStartedAsync(client);

        var subscription = await CreateAsync("watched");
        var created = await client.ReceiveAsync();
        Assert.Equal("change_notification", created.GetProperty("type").GetString());
        var change = created.GetProperty("change");
        Assert.Equal("subscriptions", change.GetProperty("collection").GetString());
        Assert.Equal("created", change.GetProperty("type").GetString());
        Assert.Equal(Ns, change.GetProperty("namespace").GetString());
        Assert.Equal(subscription.Id.ToString(), change.GetProperty("id").GetString());

        var appended = await AppendAsync(1);
        var eventChange = (await client.ReceiveAsync()).GetProperty("change");
        Assert.Equal("events", eventChange.GetProperty("collection").GetString());
        Assert.Equal(appended[0].Id.ToString(), eventChange.GetProperty("id").GetString());
        Assert.Equal(1, eventChange.GetProperty("sequence").GetInt64());
        await client.ExpectNoFrameAsync(Quiet); // the event itself is filtered out, and change notifications need no ack
    }

    [Fact]
    public async Task Change_notifications_follow_the_collection_regex()
    {
        await using var client = await ConnectAsync($"?ephemeral&namespace={Ns}&filter.events=^never$&changeevents=^subscriptions$");
        await AwaitStartedAsync(client);

        await AppendAsync(1);
        await CreateAsync("watched");
        var change = (await client.ReceiveAsync()).GetProperty("change");
        Assert.Equal("subscriptions", change.GetProperty("collection").GetString());
        await client.ExpectNoFrameAsync(Quiet);
    }
}
