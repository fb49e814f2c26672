using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>
/// W3C trace context from an append request to its deliveries: the caller's trace id reaches the
/// webhook receiver's <c>traceparent</c> header and the WebSocket delivery's field, an append
/// without one still delivers a valid one, and with an OTLP endpoint the spans are exported (unless
/// the OpenTelemetry SDK's own sampler setting drops them).
/// </summary>
public sealed class TracingSpec
{
    private const string CallerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string CallerTraceParent = $"00-{CallerTraceId}-00f067aa0ba902b7-01";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_callers_trace_reaches_webhook_and_websocket_receivers_and_is_stored_with_the_event()
    {
        await using var server = await OwnServer.StartAsync();
        var ns = NewNamespace();
        var headers = new BlockingCollection<(string? TraceParent, string? TraceState)>();
        await using var receiver = await LocalReceiver.StartAsync((_, h) =>
        {
            headers.Add((h.TraceParent.SingleOrDefault(), h.TraceState.SingleOrDefault()));
            return StatusCodes.Status200OK;
        });
        await Created(server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body($$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","url":"{{{receiver.Url}}}"}}""")));
        await Created(server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions", Body("""{"name":"app","options":{"firstEvent":"oldest"}}""")));

        var append = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events") { Content = Body("""{"type":"traced","data":{"n":1}}""") };
        append.Headers.Add("traceparent", CallerTraceParent);
        append.Headers.Add("tracestate", "congo=t61rcWkgMzE");
        var stored = await ReadJson(await Created(server.Http.SendAsync(append)));

        Assert.True(headers.TryTake(out var hook, Timeout), "the webhook was not called");
        Assert.Equal(CallerTraceId, TraceId(hook.TraceParent));
        Assert.Equal("congo=t61rcWkgMzE", hook.TraceState);

        using var ws = await WebSockets.ConnectAsync(WsUri(server, $"namespace={ns}&name=app"));
        using var cts = new CancellationTokenSource(Timeout);
        var delivery = await ws.ReceiveJsonAsync(cts.Token);
        Assert.Equal(CallerTraceId, TraceId((string?)delivery["traceparent"]));

        // Kept with the event in the journal: read back through the API.
        var read = await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/events/{stored["id"]}"));
        Assert.Equal(CallerTraceId, TraceId((string?)read["traceparent"]));
    }

    [Fact]
    public async Task An_append_without_a_trace_delivers_a_valid_traceparent_of_its_own()
    {
        await using var server = await OwnServer.StartAsync();
        var ns = NewNamespace();
        var traceParents = new BlockingCollection<string?>();
        await using var receiver = await LocalReceiver.StartAsync((_, h) =>
        {
            traceParents.Add(h.TraceParent.SingleOrDefault());
            return StatusCodes.Status200OK;
        });
        await Created(server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body($$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","url":"{{{receiver.Url}}}"}}""")));
        var stored = await ReadJson(await Created(server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""{"type":"untraced","data":{"n":1}}"""))));

        Assert.True(traceParents.TryTake(out var traceParent, Timeout), "the webhook was not called");
        Assert.True(ActivityContext.TryParse(traceParent, null, out var context), $"'{traceParent}' is not a W3C traceparent");
        Assert.NotEqual(CallerTraceId, context.TraceId.ToHexString());
        Assert.NotEqual(default, context.TraceId);
        Assert.NotEqual(default, context.SpanId);
        Assert.NotNull(stored["id"]);
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_the_append_and_delivery_spans_are_exported_in_the_callers_trace()
    {
        var posts = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        await using var collector = await StartCollectorAsync(posts);
        var ns = NewNamespace();
        await using var receiver = await LocalReceiver.StartAsync((_, _) => StatusCodes.Status200OK);
        await using (var server = await OwnServer.StartAsync($"--ActorDispatch:Otlp:Endpoint={collector.BoundAddress()}"))
        {
            await Created(server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
                Body($$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","url":"{{{receiver.Url}}}"}}""")));
            var append = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events") { Content = Body("""{"type":"traced","data":{"n":1}}""") };
            append.Headers.Add("traceparent", CallerTraceParent);
            await Created(server.Http.SendAsync(append));
            await AwaitOffsetAsync(server, ns, "hook", 1);
        } // stopping the server flushes what its exporter holds

        var traceId = Convert.FromHexString(CallerTraceId);
        var traces = posts.Where(p => p.Path == "/v1/traces").ToArray();
        Assert.NotEmpty(traces);
        Assert.All(traces, p => Assert.Equal("application/x-protobuf", p.ContentType));
        // Spans in the caller's trace, named as the engine names them.
        var exported = traces.Where(p => p.Body.AsSpan().IndexOf(traceId) >= 0).ToArray();
        Assert.NotEmpty(exported);
        Assert.Contains(exported, p => Contains(p.Body, "append"));
        Assert.Contains(exported, p => Contains(p.Body, "deliver"));
        Assert.Contains(posts, p => p.Path == "/v1/metrics");
    }

    [Fact]
    public async Task With_the_sdks_sampler_off_no_span_is_exported_and_the_delivery_still_carries_the_callers_trace()
    {
        var posts = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        await using var collector = await StartCollectorAsync(posts);
        var ns = NewNamespace();
        var traceParents = new BlockingCollection<string?>();
        await using var receiver = await LocalReceiver.StartAsync((_, h) =>
        {
            traceParents.Add(h.TraceParent.SingleOrDefault());
            return StatusCodes.Status200OK;
        });
        await using (var server = await OwnServer.StartAsync($"--ActorDispatch:Otlp:Endpoint={collector.BoundAddress()}", "--OTEL_TRACES_SAMPLER=always_off"))
        {
            await Created(server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
                Body($$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","url":"{{{receiver.Url}}}"}}""")));
            var append = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events") { Content = Body("""{"type":"traced","data":{"n":1}}""") };
            append.Headers.Add("traceparent", CallerTraceParent);
            await Created(server.Http.SendAsync(append));
            Assert.True(traceParents.TryTake(out var traceParent, Timeout), "the webhook was not called");
            Assert.Equal(CallerTraceId, TraceId(traceParent));
            await AwaitOffsetAsync(server, ns, "hook", 1);
        } // stopping the server flushes what its exporter holds

        Assert.DoesNotContain(posts, p => p.Path == "/v1/traces" && p.Body.AsSpan().IndexOf(Convert.FromHexString(CallerTraceId)) >= 0);
        Assert.Contains(posts, p => p.Path == "/v1/metrics"); // the exporter ran: only the spans were sampled out
    }

    [Fact]
    public async Task A_bad_OTLP_setting_stops_the_start_naming_it()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => OwnServer.StartAsync("--ActorDispatch:Otlp:Endpoint=not a url"));
        Assert.Contains("ActorDispatch:Otlp:Endpoint", refused.Message);
        refused = await Assert.ThrowsAsync<InvalidOperationException>(() => OwnServer.StartAsync("--ActorDispatch:Otlp:Endpoint=http://127.0.0.1:9", "--ActorDispatch:Otlp:Protocol=thrift"));
        Assert.Contains("ActorDispatch:Otlp:Protocol", refused.Message);
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;

    private static string? TraceId(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, out var context) ? context.TraceId.ToHexString() : null;

    private static Uri WsUri(OwnServer server, string query) =>
        new UriBuilder(server.Http.BaseAddress!) { Scheme = "ws", Path = "/ws", Query = query }.Uri;

    private static async Task<HttpResponseMessage> Created(Task<HttpResponseMessage> sent)
    {
        var response = await sent;
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response;
    }

    private static async Task AwaitOffsetAsync(OwnServer server, string ns, string name, long offset)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while ((long?)(await ReadJson(await server.Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/{name}?fetchstatus=true", cts.Token)))["status"]?["currentOffset"] != offset)
            await Task.Delay(50, cts.Token);
    }

    // An OTLP/HTTP collector on 127.0.0.1 that keeps what it is sent.
    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<(string, string?, byte[])> posts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            posts.Enqueue((request.Path.Value!, request.ContentType, body.ToArray()));
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }
}
