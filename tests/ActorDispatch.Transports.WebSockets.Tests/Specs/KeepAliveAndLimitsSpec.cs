using System.Net;
using System.Net.WebSockets;
using ActorDispatch.Transports.WebSockets.Tests.Support;

namespace ActorDispatch.Transports.WebSockets.Tests.Specs;

/// <summary>Keep-alive, dead-peer detection and connection limits, on a server tuned for them.</summary>
public sealed class KeepAliveAndLimitsSpec(TunedWebSocketServer server) : WebSocketSpec(server), IClassFixture<TunedWebSocketServer>
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_peer_that_stops_answering_pings_is_closed_and_its_subscription_fails_over()
    {
        await AwaitNoConnectionsAsync();
        await CreateAsync("failover");
        await using var silent = await ConnectAsync($"?namespace={Ns}&name=failover", receive: false);
        await AwaitStartedAsync(silent);
        await using var healthy = await AttachAsync("failover");
        await AppendAsync(1);
        await Eventually(async () => Assert.Equal(StatusOf(silent)?.Id, (await Dispatch.GetSubscriptionStatusAsync(Ns, "failover")).Connection),
            "the silent peer to be active");

        // 1 s ping + 1 s timeout: the silent peer is dropped and the healthy one takes over.
        await healthy.ReceiveAndAckAsync(1);
        await AwaitOffsetAsync("failover", 1);
        Assert.Null(StatusOf(silent));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_connection_that_answers_pings_stays_open_across_several_ping_intervals()
    {
        await AwaitNoConnectionsAsync();
        await CreateAsync("steady");
        await using var client = await AttachAsync("steady");

        await client.ExpectNoFrameAsync(TimeSpan.FromSeconds(3.5));
        await AppendAsync(1);
        await client.ReceiveAndAckAsync(1);
    }

    [Fact]
    public async Task Upgrades_beyond_maxConnections_are_refused_with_503()
    {
        await AwaitNoConnectionsAsync();
        await using var a = await ConnectAsync();
        await using var b = await ConnectAsync();
        await using var c = await ConnectAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await TestClient.RefusedStatusAsync(Server.WebSocketUri));

        await c.CloseAsync();
        await Eventually(async () =>
        {
            await using var d = await ConnectAsync();
        }, "a slot to free up");
    }

    [Fact]
    public async Task A_message_over_the_configured_maxFrameSize_is_refused_with_1009()
    {
        await AwaitNoConnectionsAsync();
        await using var client = await ConnectAsync();
        await client.SendTextAsync("{\"type\":\"ack\",\"info\":\"" + new string('x', 4096) + "\"}");
        await client.ExpectProtocolErrorAsync("AD10308", WebSocketCloseStatus.MessageTooBig);
    }

    [Fact]
    public async Task A_connection_may_start_only_maxEphemeralSubscriptions_and_ask_only_maxReadAhead()
    {
        await AwaitNoConnectionsAsync();
        await using (var greedy = await ConnectAsync($"?ephemeral&namespace={Ns}&readahead=51"))
            await greedy.ExpectProtocolErrorAsync("AD10313");

        await AwaitNoConnectionsAsync();
        await using var client = await ConnectAsync($"?ephemeral&namespace={Ns}&readahead=50");
        await AwaitStartedAsync(client);
        await client.SendAsync(new { type = "start", @namespace = Ns, ephemeral = true });
        await AwaitStartedAsync(client, subscriptions: 2);
        await client.SendAsync(new { type = "start", @namespace = Ns, ephemeral = true });
        var error = await client.ExpectProtocolErrorAsync("AD10312");
        Assert.Contains("at most 2", error);
    }

    private Task AwaitNoConnectionsAsync() => Eventually(() =>
    {
        Assert.Empty(Server.Transport.Connections);
        return Task.CompletedTask;
    }, "earlier tests' connections to close");
}
