using ActorDispatch.Configuration;
using ActorDispatch.Hosting;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorDispatch.Tests.Hosting;

public sealed class HostingSpec
{
    [Fact]
    public void Default_options_write_nothing_and_leave_the_reference_config_unchanged()
    {
        Assert.True(new ActorDispatchOptions().ToHocon().IsEmpty);

        var settings = DispatchSettings.Create(new ActorDispatchOptions().ToHocon().WithFallback(ActorDispatchConfig.Reference));
        Assert.Equal(DispatchSettings.Create(ActorDispatchConfig.Reference), settings);
    }

    [Fact]
    public void Options_write_only_what_was_set()
    {
        var hocon = new ActorDispatchOptions { CommitInterval = TimeSpan.FromMilliseconds(250), MaxSubscriptions = 7 }.ToHocon();
        var settings = DispatchSettings.Create(hocon.WithFallback(ActorDispatchConfig.Reference));
        var reference = DispatchSettings.Create(ActorDispatchConfig.Reference);

        Assert.Equal(reference with { CommitInterval = TimeSpan.FromMilliseconds(250), MaxSubscriptions = 7 }, settings);
    }

    [Fact]
    public async Task A_host_with_WithActorDispatch_serves_IActorDispatch_from_DI_on_a_new_sqlite_file()
    {
        var path = TempDatabase.NewPath();
        using var host = Host.CreateDefaultBuilder()
            .ConfigureServices(services => services
                .AddActorDispatch()
                .AddAkka("hosted", akka => akka
                    .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
                    .WithActorDispatch(o => o.SqlitePath = path)))
            .Build();
        await host.StartAsync();
        try
        {
            var dispatch = host.Services.GetRequiredService<IActorDispatch>();
            Assert.Same(ActorDispatchEngine.Get(host.Services.GetRequiredService<ActorSystem>()), dispatch);
            await dispatch.CreateSubscriptionAsync(new SubscriptionInput { Namespace = "default", Name = "local", Transport = "system" });
            var appended = await dispatch.AppendAsync("default", new NewEvent { Type = "hello" });

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await foreach (var d in dispatch.ListenAsync("default", "local", cts.Token))
            {
                Assert.Equal(appended.Id, d.Event.Id);
                await d.AckAsync();
                break;
            }
            Assert.True(File.Exists(path));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
