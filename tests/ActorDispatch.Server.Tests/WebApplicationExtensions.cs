using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorDispatch.Server.Tests;

public static class WebApplicationExtensions
{
    /// <summary>The first address a started app listens on (with port 0, the port Kestrel bound).</summary>
    public static string BoundAddress(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
