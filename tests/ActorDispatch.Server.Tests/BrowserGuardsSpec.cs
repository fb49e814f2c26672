using System.Net;
using System.Net.WebSockets;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>A web page cannot drive the server from a user's browser: JSON-only writes, and /ws only for known origins.</summary>
[Collection(nameof(ServerCollection))]
public sealed class BrowserGuardsSpec(ServerFixture server)
{
    [Theory]
    [InlineData("POST", "/events", null)]
    [InlineData("POST", "/events", "text/plain")]
    [InlineData("POST", "/events", "application/x-www-form-urlencoded")]
    [InlineData("PUT", "/subscriptions", "multipart/form-data; boundary=x")]
    [InlineData("POST", "/subscriptions/app1/pause", null)]
    public async Task A_write_that_does_not_say_json_is_415_and_changes_nothing(string method, string path, string? contentType)
    {
        var ns = NewNamespace();
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/v1/namespaces/{ns}{path}");
        if (contentType is not null)
        {
            request.Content = new StringContent("""{"type":"a","name":"app1"}""");
            request.Content.Headers.Remove("Content-Type");
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        await AssertError(await server.Http.SendAsync(request), 415, "application/json");
        Assert.Empty((await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/events"))).AsArray());
        Assert.Empty((await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions"))).AsArray());
    }

    [Fact]
    public async Task A_foreign_origin_may_not_open_a_websocket_and_the_own_or_a_listed_one_may()
    {
        var ns = NewNamespace();
        Assert.Equal(HttpStatusCode.Created, (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions", Body("""{"name":"app1"}"""))).StatusCode);
        var uri = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws", Query = $"namespace={ns}&name=app1" }.Uri;

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => WebSockets.ConnectAsync(uri, ("Origin", "http://127.0.0.1:1")));
        Assert.Contains("403", refused.Message);

        foreach (var origin in new[] { server.BaseAddress.GetLeftPart(UriPartial.Authority), AllowedOrigin, null })
        {
            using var ws = await WebSockets.ConnectAsync(uri, origin is null ? null : ("Origin", origin));
            Assert.Equal(WebSocketState.Open, ws.State);
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
    }
}
