using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

[Collection(nameof(ServerCollection))]
public sealed class WebSocketThroughServerSpec(ServerFixture server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_websocket_client_receives_a_durable_subscription_acks_and_shows_in_the_connection_list()
    {
        var ns = NewNamespace();
        var created = await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body("""{"name":"app1","options":{"firstEvent":"oldest","withData":true}}""")); // FireFly's default transport: websockets
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""{"type":"order_created","data":{"id":7}}"""));

        using var ws = new ClientWebSocket();
        using var cts = new CancellationTokenSource(Timeout);
        var uri = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws", Query = $"namespace={ns}&name=app1" }.Uri;
        await ws.ConnectAsync(uri, cts.Token);

        var delivery = await ws.ReceiveJsonAsync(cts.Token);
        Assert.Equal("order_created", (string?)delivery["type"]);
        Assert.Equal(7, (int)delivery["data"]!["id"]!);
        Assert.Equal("app1", (string?)delivery["subscription"]!["name"]);

        var connections = await ReadJson(await server.Http.GetAsync("/api/v1/websockets"));
        Assert.Contains(connections["connections"]!.AsArray(), c => c!["subscriptions"]!.AsArray().Any(s => (string?)s!["name"] == "app1"));

        var ack = $$"""{"type":"ack","id":"{{delivery["id"]}}"}""";
        await ws.SendAsync(Encoding.UTF8.GetBytes(ack), WebSocketMessageType.Text, true, cts.Token);
        while (true)
        {
            var status = await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/app1?fetchstatus=true", cts.Token));
            if ((long)status["status"]!["currentOffset"]! == 1) break;
            await Task.Delay(50, cts.Token);
        }
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
    }
}
