using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>
/// <c>…/events/stream</c>: appends over one WebSocket, answered in order, many on their way at once;
/// bad messages answered with an error naming the field, and the stream goes on.
/// </summary>
[Collection(nameof(ServerCollection))]
public sealed class AppendStreamSpec(ServerFixture server, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Appends_sent_without_waiting_are_answered_in_order_and_stored_in_that_order()
    {
        const int count = 500;
        var ns = NewNamespace();
        using var cts = new CancellationTokenSource(Timeout);
        using var ws = await WebSockets.ConnectAsync(StreamUri(ns));

        // All sent before the first answer is read: the server has them in flight at once.
        for (var i = 0; i < count; i++) await SendAsync(ws, $$$"""{"type":"e{{{i}}}","data":{"n":{{{i}}}}}""", cts.Token);
        var answers = new List<JsonNode>();
        for (var i = 0; i < count; i++) answers.Add(await ws.ReceiveJsonAsync(cts.Token));

        Assert.All(answers, a => Assert.Equal("appended", (string?)a["type"]));
        var sequences = answers.Select(a => (long)a["sequence"]!).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), sequences);
        var stored = await StoredAsync(server.Http, ns, cts.Token);
        Assert.Equal(count, stored.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"e{i}", (string?)stored[i]!["type"]);
            Assert.Equal(i, (int)stored[i]!["data"]!["n"]!);
            Assert.Equal((string?)answers[i]["id"], (string?)stored[i]!["id"]);
            Assert.Equal(sequences[i], (long)stored[i]!["sequence"]!);
        }
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
    }

    [Fact]
    public async Task An_array_is_appended_atomically_and_answered_with_every_id_and_sequence()
    {
        var ns = NewNamespace();
        using var cts = new CancellationTokenSource(Timeout);
        using var ws = await WebSockets.ConnectAsync(StreamUri(ns));

        await SendAsync(ws, """[{"type":"a"},{"type":"b"},{"type":"c"}]""", cts.Token);
        var answer = await ws.ReceiveJsonAsync(cts.Token);

        Assert.Equal("appended", (string?)answer["type"]);
        var events = answer["events"]!.AsArray();
        Assert.Equal([1L, 2L, 3L], events.Select(e => (long)e!["sequence"]!));
        var stored = (await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/events?sort=sequence", cts.Token))).AsArray();
        Assert.Equal(events.Select(e => (string?)e!["id"]), stored.Select(e => (string?)e!["id"]));
    }

    [Fact]
    public async Task A_bad_message_is_answered_with_an_error_naming_it_and_the_stream_goes_on()
    {
        var ns = NewNamespace();
        using var cts = new CancellationTokenSource(Timeout);
        using var ws = await WebSockets.ConnectAsync(StreamUri(ns));

        await SendAsync(ws, """{"type":"first"}""", cts.Token);
        await SendAsync(ws, """{"topic":"t"}""", cts.Token);
        await SendAsync(ws, """[{"type":"ok"},{"type":"x","sequence":9}]""", cts.Token);
        await SendAsync(ws, """{"type":""", cts.Token);
        await SendAsync(ws, """{"type":"last"}""", cts.Token);

        Assert.Equal(1L, (long)(await ws.ReceiveJsonAsync(cts.Token))["sequence"]!);
        await AssertErrorAsync(ws, 400, "AD10100", "'type'", cts.Token);
        await AssertErrorAsync(ws, 400, "AD10100", "'[1].sequence'", cts.Token);
        await AssertErrorAsync(ws, 400, "AD10123", "not valid JSON", cts.Token);
        Assert.Equal(2L, (long)(await ws.ReceiveJsonAsync(cts.Token))["sequence"]!);
        Assert.Equal(WebSocketState.Open, ws.State);

        // Nothing of a refused message was stored, not even the valid half of the array.
        var stored = (await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/events?sort=sequence", cts.Token))).AsArray();
        Assert.Equal(["first", "last"], stored.Select(e => (string?)e!["type"]));
    }

    [Fact]
    public async Task A_message_over_the_body_limit_is_answered_then_the_stream_closes_and_what_came_before_stays()
    {
        var ns = NewNamespace();
        using var cts = new CancellationTokenSource(Timeout);
        using var ws = await WebSockets.ConnectAsync(StreamUri(ns));

        await SendAsync(ws, """{"type":"kept"}""", cts.Token);
        await SendAsync(ws, $$"""{"type":"big","data":"{{new string('x', 70_000)}}"}""", cts.Token); // the fixture's limit is 65,536

        Assert.Equal(1L, (long)(await ws.ReceiveJsonAsync(cts.Token))["sequence"]!);
        await AssertErrorAsync(ws, 413, "AD10120", "ActorDispatch:MaxBodySize", cts.Token);
        var result = await ws.ReceiveAsync(new byte[1024], cts.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, ws.CloseStatus);
        var stored = (await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/events", cts.Token))).AsArray();
        Assert.Equal(["kept"], stored.Select(e => (string?)e!["type"]));
    }

    [Fact]
    public async Task An_invalid_namespace_is_answered_per_append()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var ws = await WebSockets.ConnectAsync(StreamUri("Not_Valid!"));
        await SendAsync(ws, """{"type":"a"}""", cts.Token);
        await AssertErrorAsync(ws, 400, "AD1", "namespace", cts.Token);
    }

    [Fact]
    public async Task A_plain_request_is_told_to_open_a_websocket()
    {
        var response = await server.Http.GetAsync($"/api/v1/namespaces/{NewNamespace()}/events/stream");
        await AssertError(response, 400, "WebSocket");
    }

    [Fact]
    public async Task A_foreign_origin_may_not_open_an_append_stream()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => WebSockets.ConnectAsync(StreamUri(NewNamespace()), ("Origin", "http://127.0.0.1:1")));
        Assert.Contains(((int)HttpStatusCode.Forbidden).ToString(), refused.Message);
    }

    [Fact]
    public async Task A_stopping_server_answers_what_it_read_then_closes_and_exactly_the_answered_appends_are_stored()
    {
        await using var first = await OwnServer.StartAsync();
        var address = new Uri(first.App.BoundAddress());
        var ns = NewNamespace();
        using var cts = new CancellationTokenSource(Timeout);
        using var ws = await WebSockets.ConnectAsync(new UriBuilder(address) { Scheme = "ws", Path = $"/api/v1/namespaces/{ns}/events/stream" }.Uri);
        for (var i = 0; i < 2000; i++) await SendAsync(ws, """{"type":"before_stop"}""", cts.Token);
        Assert.Equal("appended", (string?)(await ws.ReceiveJsonAsync(cts.Token))["type"]);

        var stopped = first.App.StopAsync(cts.Token);
        var appended = 1;
        var buffer = new byte[4096];
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close) break;
            var answer = JsonNode.Parse(buffer.AsSpan(0, result.Count))!;
            if ((string?)answer["type"] == "appended") appended++;
            else
            {
                output.WriteLine(answer.ToJsonString());
                Assert.Equal(503, (int)answer["status"]!); // the engine stopped first
            }
        }
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, ws.CloseStatus);
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
        await stopped;

        await using var second = await OwnServer.StartAsync($"--ActorDispatch:Storage:Sqlite={first.DatabasePath}");
        Assert.Equal(appended, (await StoredAsync(second.Http, ns, cts.Token)).Count);
        output.WriteLine($"{appended} of 2,000 appended before the stop");
    }

    [Theory]
    [InlineData("0", "must be positive")]
    [InlineData("100001", "must be at most 100000")]
    public void A_bad_in_flight_limit_stops_the_start_naming_the_setting(string value, string problem)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ServerApp.Build(["--urls", "http://127.0.0.1:0", $"--ActorDispatch:AppendStream:MaxInFlight={value}"]));
        Assert.Contains("ActorDispatch:AppendStream:MaxInFlight", ex.Message);
        Assert.Contains(problem, ex.Message);
    }

    // Every event of the namespace in order, read in pages: a list answer is bounded in bytes.
    private static async Task<List<JsonNode?>> StoredAsync(HttpClient http, string ns, CancellationToken ct)
    {
        var stored = new List<JsonNode?>();
        while (true)
        {
            var page = (await ReadJson(await http.GetAsync($"/api/v1/namespaces/{ns}/events?sort=sequence&skip={stored.Count}&limit=1000", ct))).AsArray();
            if (page.Count == 0) return stored;
            stored.AddRange(page);
        }
    }

    private Uri StreamUri(string ns) => new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = $"/api/v1/namespaces/{ns}/events/stream" }.Uri;

    private static Task SendAsync(ClientWebSocket ws, string json, CancellationToken ct) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, ct);

    private static async Task AssertErrorAsync(ClientWebSocket ws, int status, string code, string mentions, CancellationToken ct)
    {
        var answer = await ws.ReceiveJsonAsync(ct);
        Assert.Equal("error", (string?)answer["type"]);
        Assert.Equal(status, (int)answer["status"]!);
        var error = (string)answer["error"]!;
        Assert.StartsWith(code, error);
        Assert.Contains(mentions, error);
    }
}
