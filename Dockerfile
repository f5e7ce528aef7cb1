# Build: the project's own Maven wrapper, on a JDK.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q -DskipTests package && cp target/channels-gateway-*.jar /workspace/channels.jar
# Spring Boot's layers, least to most often changed, so that an update of the application
# ships its own small layer and reuses the dependencies' from the last image.
RUN java -Djarmode=tools -jar channels.jar extract --layers --launcher --destination extracted

# Run: a JRE only, as a non-root user, with nothing it needs to write outside /tmp (so the
# root filesystem can be mounted read-only; give /tmp a writable volume).
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 channels && useradd --system --uid 10001 --gid channels channels
WORKDIR /app
COPY --from=build /workspace/extracted/dependencies/ ./
COPY --from=build /workspace/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/extracted/application/ ./
USER 10001:10001
# 8080: the gateway (channels); 8081: Actuator (health, info, prometheus)
EXPOSE 8080 8081
# The heap follows the container's memory limit; no hsperfdata file on a read-only disk.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:-UsePerfData"
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
