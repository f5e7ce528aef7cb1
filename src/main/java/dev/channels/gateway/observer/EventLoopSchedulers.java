package dev.channels.gateway.observer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.EventLoop;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One Reactor scheduler per server event loop, built the first time an exchange resumes
 * on that loop and kept: building one per exchange cost an allocation and a wrapper per
 * request. A server has a handful of loops, created at start and kept for its life.
 */
final class EventLoopSchedulers {

	private static final Map<EventLoop, Scheduler> SCHEDULERS = new ConcurrentHashMap<>();

	private EventLoopSchedulers() {
	}

	static Scheduler of(EventLoop loop) {
		Scheduler scheduler = SCHEDULERS.get(loop);
		return (scheduler != null) ? scheduler : SCHEDULERS.computeIfAbsent(loop, Schedulers::fromExecutor);
	}

}
