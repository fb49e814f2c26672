using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests.Dashboard;

/// <summary><c>GET /api/v1/namespaces/{ns}/overview</c>: what the dashboard polls.</summary>
[Collection(nameof(ServerCollection))]
public sealed class NamespaceOverviewSpec(ServerFixture server)
{
    [Fact]
    public async Task The_overview_has_the_head_and_every_subscription_with_its_status_in_name_order()
    {
        await using var receiver = await LocalReceiver.StartAsync(_ => StatusCodes.Status200OK);
        var ns = NewNamespace();
        foreach (var name in new[] { "zulu", "alpha" })
            Assert.Equal(HttpStatusCode.Created, (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
                Body($$$"""{"name":"{{{name}}}","transport":"webhooks","options":{"firstEvent":"oldest","url":"{{{receiver.Url}}}"}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions/zulu/pause", NoBody())).StatusCode);
        await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""[{"type":"a","data":{"n":1}},{"type":"b","data":{"n":2}},{"type":"c","data":{"n":3}}]"""));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        JsonNode overview;
        // alpha delivers all three; zulu, paused, lags by three.
        while ((long)(overview = await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/overview")))["subscriptions"]![0]!["status"]!["currentOffset"]! < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, overview.ToJsonString());
            await Task.Delay(100);
        }
        Assert.Equal(ns, (string?)overview["namespace"]);
        Assert.Equal(3, (long)overview["head"]!);
        Assert.NotNull((string?)overview["node"]);
        Assert.NotNull((string?)overview["at"]);
        var subscriptions = overview["subscriptions"]!.AsArray();
        Assert.Equal(["alpha", "zulu"], subscriptions.Select(s => (string)s!["name"]!));
        var (alpha, zulu) = (subscriptions[0]!, subscriptions[1]!);
        Assert.Equal("webhooks", (string?)alpha["transport"]);
        Assert.NotNull((string?)alpha["id"]);
        Assert.Equal(0, (long)alpha["status"]!["lag"]!);
        Assert.False((bool)alpha["status"]!["paused"]!);
        Assert.True((bool)zulu["status"]!["paused"]!);
        Assert.Equal(0, (long)zulu["status"]!["currentOffset"]!);
        Assert.Equal(3, (long)zulu["status"]!["lag"]!);
        Assert.Equal(0, (int)zulu["status"]!["parked"]!);
    }

    [Fact]
    public async Task A_subscription_on_a_WebSocket_shows_its_connection_and_the_peers_address()
    {
        var ns = NewNamespace();
        Assert.Equal(HttpStatusCode.Created, (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body("""{"name":"app1","transport":"websockets","options":{"firstEvent":"oldest"}}"""))).StatusCode);
        await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""{"type":"a","data":{"n":1}}"""));
        using var ws = await WebSockets.ConnectAsync(new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws", Query = $"namespace={ns}&name=app1" }.Uri);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await ws.ReceiveJsonAsync(cts.Token); // delivered: the dispatcher is bound to this connection

        var entry = (await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/overview", cts.Token)))["subscriptions"]![0]!;
        var connection = (string?)entry["status"]!["connection"];
        Assert.NotNull(connection);
        var peers = (await ReadJson(await server.Http.GetAsync("/api/v1/websockets", cts.Token)))["connections"]!.AsArray();
        var peer = (string?)peers.Single(c => (string?)c!["id"] == connection)!["remoteAddress"];
        Assert.StartsWith("127.0.0.1:", peer);
        Assert.Equal(peer, (string?)entry["connectionAddress"]);
        Assert.Equal(1, (int)entry["status"]!["inFlight"]!);
    }

    [Fact]
    public async Task A_namespace_without_subscriptions_or_events_has_an_empty_overview()
    {
        var overview = await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{NewNamespace()}/overview"));
        Assert.Equal(0, (long)overview["head"]!);
        Assert.Empty(overview["subscriptions"]!.AsArray());
    }
}
