namespace ActorDispatch.Transports.WebSockets;
