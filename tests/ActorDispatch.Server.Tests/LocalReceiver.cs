using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorDispatch.Server.Tests;

/// <summary>A webhook receiver on 127.0.0.1 with a free port: hands each POSTed JSON body to a callback and answers 200, or what it says.</summary>
public sealed class LocalReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalReceiver(WebApplication app)
    {
        _app = app;
        Url = app.BoundAddress() + "/hook";
    }

    /// <summary>Where to point a webhook subscription.</summary>
    public string Url { get; }

    public static Task<LocalReceiver> StartAsync(Action<JsonNode> onBody, CancellationToken cancellationToken = default) =>
        StartAsync(body =>
        {
            onBody(body);
            return StatusCodes.Status200OK;
        }, cancellationToken);

    /// <summary>A receiver that answers each body with the status code <paramref name="answer"/> returns for it.</summary>
    public static Task<LocalReceiver> StartAsync(Func<JsonNode, int> answer, CancellationToken cancellationToken = default) =>
        StartAsync((body, _) => answer(body), cancellationToken);

    /// <summary>A receiver that also shows <paramref name="answer"/> each request's headers.</summary>
    public static async Task<LocalReceiver> StartAsync(Func<JsonNode, IHeaderDictionary, int> answer, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            return Results.StatusCode(answer((await JsonNode.ParseAsync(request.Body))!, request.Headers));
        });
        await app.StartAsync(cancellationToken);
        return new LocalReceiver(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
