namespace ActorDispatch.Transports.Webhooks;
