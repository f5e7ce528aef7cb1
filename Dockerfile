# Build: the project's own Maven wrapper, on a JDK.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /workspace
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q -DskipTests package && cp target/channels-gateway-*.jar /workspace/channels.jar

# Run: a JRE only, as a non-root user.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 channels && useradd --system --uid 10001 --gid channels channels
WORKDIR /app
COPY --from=build /workspace/channels.jar channels.jar
USER 10001:10001
# 8080: the gateway (channels); 8081: Actuator (health, info)
EXPOSE 8080 8081
# Size the heap from the container's memory limit.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/channels.jar"]
