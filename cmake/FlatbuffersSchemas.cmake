# pos_flatbuffers(TARGET SCHEMAS...) runs flatc on each schema at build time and
# exposes the generated headers (<build>/generated/<folder>/<name>_generated.h)
# through an INTERFACE library named TARGET. Generated code is never committed.
function(pos_flatbuffers target)
  set(outputs)
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(out_dir ${CMAKE_BINARY_DIR}/generated/${folder})
  foreach(schema ${ARGN})
    get_filename_component(name ${schema} NAME_WE)
    set(out ${out_dir}/${name}_generated.h)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${FLATC} --cpp --scoped-enums --gen-name-strings --reflect-names
              --cpp-std c++17 -I ${CMAKE_SOURCE_DIR}/events -o ${out_dir}
              ${CMAKE_CURRENT_SOURCE_DIR}/${schema}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${schema} ${FLATC}
      COMMENT "flatc ${folder}/${schema}"
      VERBATIM)
    list(APPEND outputs ${out})
  endforeach()
  add_custom_target(${target}_gen DEPENDS ${outputs})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} INTERFACE ${CMAKE_BINARY_DIR}/generated)
  target_include_directories(${target} SYSTEM INTERFACE ${FLATBUFFERS_INCLUDE_DIR})
endfunction()
