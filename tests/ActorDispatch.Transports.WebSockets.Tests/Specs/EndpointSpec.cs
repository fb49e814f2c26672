using System.Net.WebSockets;
using System.Net;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>The endpoint and the status API: plain requests, status shape, configuration defaults.</summary>
public sealed class EndpointSpec(WebSocketServer server) : WebSocketSpec(server), IClassFixture<WebSocketServer>
{
    [Fact]
    public async Task A_plain_http_request_is_refused_with_400_and_a_json_error()
    {
        using var http = new HttpClient { BaseAddress = Server.HttpUri, Timeout = Timeout };
        var response = await http.GetAsync("/ws");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("AD10310:", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Status_lists_each_connection_with_its_subscriptions_and_deliveries_in_flight()
    {
        var subscription = await CreateAsync("watched", readAhead: 1);
        await using var client = await AttachAsync("watched");
        await AppendAsync(1);
        await client.ReceiveEventAsync(1);

        var status = Server.Transport.GetStatus();
        Assert.True(status.Enabled);
        var connection = Assert.Single(status.Connections, c => c.UserAgent == client.Name);
        Assert.StartsWith("127.0.0.1:", connection.RemoteAddress);
        Assert.Equal(1, connection.InFlight);
        Assert.False(connection.AutoAck);
        Assert.Equal(new WebSocketSubscriptionStatus(subscription.Id, Ns, "watched", Ephemeral: false), Assert.Single(connection.Subscriptions));
        Assert.Equal(connection.Id, (await Dispatch.GetSubscriptionStatusAsync(Ns, "watched")).Connection);

        // FireFly's JSON shape, with the extensions beside it.
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(status, ActorDispatchJson.Options));
        var first = json.RootElement.GetProperty("connections").EnumerateArray().Single(c => c.GetProperty("userAgent").GetString() == client.Name);
        Assert.True(json.RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal(connection.Id, first.GetProperty("id").GetString());
        Assert.Equal(1, first.GetProperty("inFlight").GetInt32());
        var sub = first.GetProperty("subscriptions")[0];
        Assert.Equal("watched", sub.GetProperty("name").GetString());
        Assert.Equal(Ns, sub.GetProperty("namespace").GetString());
        Assert.False(sub.GetProperty("ephemeral").GetBoolean());
    }

    [Fact]
    public async Task A_closed_connection_leaves_the_status_and_its_ephemeral_subscription_ends()
    {
        var client = await ConnectAsync($"?ephemeral&namespace={Ns}");
        await AwaitStartedAsync(client);
        var id = StatusOf(client)!.Id;

        await client.DisposeAsync();

        await Eventually(() =>
        {
            Assert.DoesNotContain(Server.Transport.Connections, c => c.Id == id);
            return Task.CompletedTask;
        }, "the connection to leave the status");
    }

    [Fact]
    public void The_defaults_are_30s_ping_30s_pong_timeout_1MiB_frames_1000_connections_100_ephemerals_readahead_1000_16MiB_queued()
    {
        Assert.Equal(new WebSocketsSettings(
            PingInterval: TimeSpan.FromSeconds(30),
            PingTimeout: TimeSpan.FromSeconds(30),
            MaxFrameSize: 1024 * 1024,
            MaxConnections: 1000,
            MaxQueuedChangeEvents: 1000,
            CloseTimeout: TimeSpan.FromSeconds(5),
            MaxEphemeralSubscriptions: 100,
            MaxReadAhead: 1000,
            MaxQueuedBytes: 16 * 1024 * 1024), Server.Transport.Started!.Settings);
    }

    [Fact]
    public async Task Subscriptions_of_the_transport_take_no_options_of_their_own()
    {
        var error = await Assert.ThrowsAsync<ActorDispatchException>(() =>
            CreateAsync("typo", options: new SubscriptionOptions
            {
                Transport = System.Collections.Immutable.ImmutableSortedDictionary<string, JsonElement>.Empty
                    .Add("url", JsonSerializer.SerializeToElement("http://example.org")),
            }));
        Assert.Contains("options.url", error.Message);
    }

    [Fact]
    public async Task A_frame_of_exactly_maxFrameSize_is_accepted()
    {
        await using var client = await ConnectAsync();
        var prefix = "{\"type\":\"ack\",\"id\":\"" + Guid.NewGuid() + "\",\"info\":\"";
        const string suffix = "\"}";
        await client.SendTextAsync(prefix + new string('x', 1024 * 1024 - prefix.Length - suffix.Length) + suffix);

        // It is read as a (late, ignored) ack: the connection stays open and serves a start afterwards.
        await CreateAsync("after");
        await client.SendAsync(new { type = "start", @namespace = Ns, name = "after" });
        await AwaitStartedAsync(client);
        await AppendAsync(1);
        await client.ReceiveAndAckAsync(1);
        await AwaitOffsetAsync("after", 1);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Stopping_the_host_closes_connections_with_going_away_and_keeps_every_ack()
    {
        var path = Path.Combine(Path.GetTempPath(), "actordispatch-ws-tests", $"{Guid.NewGuid():N}.db");
        var first = new WebSocketServer { DatabasePath = path, KeepDatabase = true };
        await first.InitializeAsync();
        try
        {
            await first.Dispatch.CreateSubscriptionAsync(new SubscriptionInput
            {
                Namespace = Ns, Name = "kept", Transport = WebSocketsTransport.TransportName,
                Options = new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = 2 },
            });
            await first.Dispatch.AppendAsync(Ns, [new NewEvent { Type = "a" }, new NewEvent { Type = "b" }, new NewEvent { Type = "c" }]);
            await using var client = await TestClient.ConnectAsync(first.WebSocketUri, $"?namespace={Ns}&name=kept");
            var deliveries = new[] { await client.ReceiveEventAsync(1), await client.ReceiveEventAsync(2), await client.ReceiveEventAsync(3) };
            foreach (var d in deliveries) await client.AckAsync(d);

            var stopped = first.StopAsync(); // at once, with the acks possibly still on the wire
            await client.ExpectClosedAsync(WebSocketCloseStatus.EndpointUnavailable);
            await stopped.WaitAsync(Timeout);
        }
        finally
        {
            await first.DisposeAsync();
        }

        var second = new WebSocketServer { DatabasePath = path };
        await second.InitializeAsync();
        try
        {
            await second.Dispatch.AppendAsync(Ns, new NewEvent { Type = "d" });
            await using var client = await TestClient.ConnectAsync(second.WebSocketUri, $"?namespace={Ns}&name=kept");
            await client.ReceiveEventAsync(4);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Disposing_the_transport_as_the_engine_does_at_stop_closes_connections_with_1001_and_refuses_new_ones()
    {
        var own = new WebSocketServer();
        await own.InitializeAsync();
        try
        {
            await using var client = await TestClient.ConnectAsync(own.WebSocketUri, $"?ephemeral&namespace={Ns}");
            await Eventually(() =>
            {
                Assert.Single(own.Transport.Connections);
                return Task.CompletedTask;
            }, "the connection to open");

            await own.Transport.DisposeAsync().AsTask().WaitAsync(Timeout);

            await client.ExpectClosedAsync(WebSocketCloseStatus.EndpointUnavailable);
            Assert.Empty(own.Transport.Connections);
            Assert.False(own.Transport.GetStatus().Enabled);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await TestClient.RefusedStatusAsync(own.WebSocketUri));
        }
        finally
        {
            await own.DisposeAsync();
        }
    }
}
